import {
  DeleteRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge'
import {
  type LambdaFunctionConfiguration,
  PutBucketNotificationConfigurationCommand,
} from '@aws-sdk/client-s3'
import type { Desired } from '../desired.js'
import { ifExists } from '../errors.js'
import type { Observed } from '../observe.js'
import { type Change, phase, tagList } from './change.js'

/* The changes to the EventBridge schedules and to the buckets' notifications of blob functions. */

export function scheduleChanges(desired: Desired, observed: Observed): Change[] {
  const { layout } = desired
  const changes: Change[] = []
  for (const schedule of desired.schedules) {
    const current = observed.rules.get(schedule.rule)
    const arn = layout.liveArn(layout.function(schedule.function))
    const ruleOk = current?.expression === schedule.expression
    const targetOk = current?.targets.length === 1 && current.targets[0] === arn
    if (ruleOk && targetOk) continue
    changes.push({
      action: current ? 'update' : 'create',
      kind: 'schedule',
      name: schedule.rule,
      reason: `EventBridge rule ${schedule.expression} (UTC)`,
      phase: phase.schedule,
      async run({ clients }) {
        if (!ruleOk)
          await clients.events.send(
            new PutRuleCommand({
              Name: schedule.rule,
              ScheduleExpression: schedule.expression,
              State: 'ENABLED',
              Description: `xfn: timer '${schedule.function}'`,
              Tags: tagList(desired.tags),
            }),
          )
        if (!targetOk)
          await clients.events.send(
            new PutTargetsCommand({ Rule: schedule.rule, Targets: [{ Id: 'xfn', Arn: arn }] }),
          )
      },
    })
  }
  const wanted = new Set(desired.schedules.map((s) => s.rule))
  for (const rule of observed.rules.keys()) {
    if (wanted.has(rule)) continue
    changes.push({
      action: 'delete',
      kind: 'schedule',
      name: rule,
      reason: 'its timer is gone',
      phase: phase.deleteSchedule,
      async run({ clients }) {
        await ifExists(() => clients.events.send(new RemoveTargetsCommand({ Rule: rule, Ids: ['xfn'] })))
        await ifExists(() => clients.events.send(new DeleteRuleCommand({ Name: rule })))
      },
    })
  }
  return changes
}

/**
 * S3 keeps one notification configuration per bucket, so xfn reads it, replaces only its own
 * entries (ids starting `xfn-`) and writes it back, leaving anyone else's alone.
 */
export function notificationChanges(desired: Desired, observed: Observed): Change[] {
  const { layout } = desired
  const changes: Change[] = []
  for (const bucket of desired.buckets) {
    const ours: LambdaFunctionConfiguration[] = desired.functions.flatMap((fn) => {
      const { trigger } = fn.logical
      if (trigger.type !== 'blob' || trigger.bucket !== bucket.logical) return []
      const rules = [
        ...(trigger.prefix ? [{ Name: 'prefix' as const, Value: trigger.prefix }] : []),
        ...(trigger.suffix ? [{ Name: 'suffix' as const, Value: trigger.suffix }] : []),
      ]
      return [
        {
          Id: `xfn-${fn.logical.name}`,
          LambdaFunctionArn: layout.liveArn(fn.name),
          Events: trigger.events.map((e) =>
            e === 'created' ? 's3:ObjectCreated:*' : 's3:ObjectRemoved:*',
          ) as never,
          ...(rules.length > 0 ? { Filter: { Key: { FilterRules: rules } } } : {}),
        },
      ]
    })
    const current = observed.buckets.get(bucket.name)?.notifications ?? {}
    const theirs = (current.LambdaFunctionConfigurations ?? []).filter((c) => !c.Id?.startsWith('xfn-'))
    const existingOurs = (current.LambdaFunctionConfigurations ?? []).filter((c) => c.Id?.startsWith('xfn-'))
    if (sameNotifications(existingOurs, ours)) continue
    changes.push({
      action: existingOurs.length === 0 ? 'create' : ours.length === 0 ? 'delete' : 'update',
      kind: 'notifications',
      name: bucket.name,
      reason:
        ours.length === 0 ? 'no blob function reacts to it any more' : `${ours.map((c) => c.Id).join(', ')}`,
      phase: phase.notifications,
      async run({ clients }) {
        await clients.s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: bucket.name,
            NotificationConfiguration: {
              TopicConfigurations: current.TopicConfigurations,
              QueueConfigurations: current.QueueConfigurations,
              EventBridgeConfiguration: current.EventBridgeConfiguration,
              LambdaFunctionConfigurations: [...theirs, ...ours],
            },
          }),
        )
      },
    })
  }
  return changes
}

function sameNotifications(
  a: readonly LambdaFunctionConfiguration[],
  b: readonly LambdaFunctionConfiguration[],
) {
  const normal = (list: readonly LambdaFunctionConfiguration[]) =>
    JSON.stringify(
      list
        .map((c) => ({
          id: c.Id,
          arn: c.LambdaFunctionArn,
          events: [...(c.Events ?? [])].sort(),
          rules: (c.Filter?.Key?.FilterRules ?? [])
            .map((r) => `${String(r.Name).toLowerCase()}=${r.Value}`)
            .sort(),
        }))
        .sort((x, y) => String(x.id).localeCompare(String(y.id))),
    )
  return normal(a) === normal(b)
}
