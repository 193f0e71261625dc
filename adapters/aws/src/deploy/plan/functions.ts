import {
  AddPermissionCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  type FunctionConfiguration,
  RemovePermissionCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda'
import { retrying } from '@xfn/core'
import { type Desired, type DesiredFunction, functionEnvironment, lambdaRuntime } from '../desired.js'
import { ifExists, isConflict, isRoleNotReady } from '../errors.js'
import type { Observed, ObservedFunction } from '../observe.js'
import { type ApplyContext, type Change, type Facts, initialFacts, phase } from './change.js'

/* The changes to the Lambda functions, their queue event source mappings and their invoke permissions. */

export function functionChanges(desired: Desired, observed: Observed, facts: Facts): Change[] {
  const { layout } = desired
  const changes: Change[] = []
  const waiter = (context: ApplyContext) => ({
    client: context.clients.lambda,
    maxWaitTime: context.waitSeconds,
  })
  for (const fn of desired.functions) {
    const existing = observed.functions.get(fn.name)
    const configuration = (context: ApplyContext) => ({
      FunctionName: fn.name,
      Role: layout.roleArn(fn.role),
      Handler: fn.handler,
      Runtime: lambdaRuntime,
      MemorySize: fn.logical.memoryMb,
      Timeout: fn.logical.timeoutSeconds,
      Environment: {
        // A REST API checks the key itself; behind an HTTP API the function does.
        Variables: functionEnvironment(
          fn,
          context.facts.queueUrls,
          desired.api === 'http' ? context.facts.apiKey : undefined,
          desired.settings,
        ),
      },
      LoggingConfig: { LogFormat: 'JSON' as const },
      // In the app's VPC; or out of the one it was in, when aws.vpc is gone.
      ...(desired.vpc
        ? {
            VpcConfig: {
              SubnetIds: [...desired.vpc.subnetIds],
              SecurityGroupIds: [...desired.vpc.securityGroupIds],
            },
          }
        : (existing?.config.VpcConfig?.SubnetIds ?? []).length > 0
          ? { VpcConfig: { SubnetIds: [], SecurityGroupIds: [] } }
          : {}),
    })
    if (!existing) {
      changes.push({
        action: 'create',
        kind: 'function',
        name: fn.name,
        reason: `${fn.logical.trigger.type} function '${fn.logical.name}'`,
        phase: phase.function,
        async run(context) {
          await retrying(
            () =>
              context.clients.lambda.send(
                new CreateFunctionCommand({
                  ...configuration(context),
                  Code: { ZipFile: desired.zip },
                  Architectures: ['arm64'],
                  Tags: { ...desired.tags, 'xfn:function': fn.logical.name },
                }),
              ),
            isRoleNotReady,
            { timeoutMs: context.iamTimeoutMs, sleep: context.sleep },
          )
          await waitUntilFunctionActiveV2(waiter(context), { FunctionName: fn.name })
        },
      })
    } else {
      if (existing.config.CodeSha256 !== desired.codeSha256)
        changes.push({
          action: 'update',
          kind: 'function code',
          name: fn.name,
          reason: 'the build changed',
          phase: phase.functionCode,
          async run(context) {
            await retrying(
              () =>
                context.clients.lambda.send(
                  new UpdateFunctionCodeCommand({ FunctionName: fn.name, ZipFile: desired.zip }),
                ),
              isConflict,
              { timeoutMs: context.iamTimeoutMs, sleep: context.sleep },
            )
            await waitUntilFunctionUpdatedV2(waiter(context), { FunctionName: fn.name })
          },
        })
      const differing = configurationDifferences(
        fn,
        existing.config,
        configuration({ facts } as ApplyContext),
      )
      if (differing.length > 0)
        changes.push({
          action: 'update',
          kind: 'function configuration',
          name: fn.name,
          reason: `${differing.join(', ')} changed`,
          phase: phase.functionConfig,
          async run(context) {
            // A configuration update while another update runs fails with ResourceConflictException.
            await waitUntilFunctionUpdatedV2(waiter(context), { FunctionName: fn.name })
            await retrying(
              () =>
                context.clients.lambda.send(new UpdateFunctionConfigurationCommand(configuration(context))),
              (error) => isConflict(error) || isRoleNotReady(error),
              { timeoutMs: context.iamTimeoutMs, sleep: context.sleep },
            )
            await waitUntilFunctionUpdatedV2(waiter(context), { FunctionName: fn.name })
          },
        })
    }
    changes.push(...mappingChanges(desired, fn, existing?.mappings ?? []))
    changes.push(...permissionChanges(desired, fn, existing?.permissions ?? new Map(), observed))
  }
  const wanted = new Set(desired.functions.map((f) => f.name))
  for (const [name, existing] of observed.functions) {
    if (wanted.has(name)) continue
    for (const mapping of existing.mappings)
      changes.push(deleteMapping(name, mapping.uuid, 'its function is gone'))
    changes.push({
      action: 'delete',
      kind: 'function',
      name,
      reason: 'no longer in the app',
      phase: phase.deleteFunction,
      run: async ({ clients }) =>
        void (await ifExists(() => clients.lambda.send(new DeleteFunctionCommand({ FunctionName: name })))),
    })
  }
  return changes
}

function configurationDifferences(
  fn: DesiredFunction,
  actual: FunctionConfiguration,
  wanted: {
    Role: string
    MemorySize: number
    Timeout: number
    Environment: { Variables: Record<string, string> }
    VpcConfig?: { SubnetIds: string[]; SecurityGroupIds: string[] }
  },
): string[] {
  const differing: string[] = []
  if (actual.Role !== wanted.Role) differing.push('role')
  if (actual.Handler !== fn.handler) differing.push('handler')
  if (actual.Runtime !== lambdaRuntime) differing.push('runtime')
  if (actual.MemorySize !== wanted.MemorySize) differing.push('memory')
  if (actual.Timeout !== wanted.Timeout) differing.push('timeout')
  if (!sameRecord(actual.Environment?.Variables ?? {}, wanted.Environment.Variables))
    differing.push('environment')
  if (actual.LoggingConfig?.LogFormat !== 'JSON') differing.push('log format')
  const ids = (list: readonly string[] | undefined) => [...(list ?? [])].sort().join(',')
  if (
    ids(actual.VpcConfig?.SubnetIds) !== ids(wanted.VpcConfig?.SubnetIds) ||
    ids(actual.VpcConfig?.SecurityGroupIds) !== ids(wanted.VpcConfig?.SecurityGroupIds)
  )
    differing.push('vpc')
  return differing
}

const batchResponses = ['ReportBatchItemFailures']

function mappingChanges(
  desired: Desired,
  fn: DesiredFunction,
  existing: ObservedFunction['mappings'],
): Change[] {
  const { trigger } = fn.logical
  const changes: Change[] = []
  // A topic function consumes its subscription's own queue.
  const queue =
    trigger.type === 'queue'
      ? desired.queues.find((q) => q.logical === trigger.queue)?.name
      : trigger.type === 'topic'
        ? desired.subscriptions.find((s) => s.function === fn.logical.name)?.queue
        : undefined
  const source = queue && desired.layout.queueArn(queue)
  for (const mapping of existing)
    if (mapping.source !== source) changes.push(deleteMapping(fn.name, mapping.uuid, 'its queue changed'))
  if ((trigger.type !== 'queue' && trigger.type !== 'topic') || !source) return changes
  const consumed = trigger.type === 'queue' ? trigger.queue : `${trigger.topic}.${fn.logical.name}`
  const current = existing.find((m) => m.source === source)
  const settings = {
    BatchSize: trigger.batchSize,
    FunctionResponseTypes: batchResponses as never,
  }
  if (!current)
    changes.push({
      action: 'create',
      kind: 'event source',
      name: `${fn.name} ← ${consumed}`,
      reason: 'the function consumes the queue, reporting failures per message',
      phase: phase.mapping,
      async run({ clients, sleep, iamTimeoutMs }) {
        // Lambda checks that the role may read the queue, which a new policy may not yet allow.
        await retrying(
          () =>
            clients.lambda.send(
              new CreateEventSourceMappingCommand({
                FunctionName: fn.name,
                EventSourceArn: source,
                Enabled: true,
                ...settings,
              }),
            ),
          isRoleNotReady,
          { timeoutMs: iamTimeoutMs, sleep },
        )
      },
    })
  else if (current.batchSize !== trigger.batchSize || current.responseTypes.join() !== batchResponses.join())
    changes.push({
      action: 'update',
      kind: 'event source',
      name: `${fn.name} ← ${consumed}`,
      reason: 'batch size or failure reporting changed',
      phase: phase.mapping,
      async run({ clients, sleep, iamTimeoutMs }) {
        await retrying(
          () => clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID: current.uuid, ...settings })),
          isConflict,
          { timeoutMs: iamTimeoutMs, sleep },
        )
      },
    })
  return changes
}

function deleteMapping(functionName: string, uuid: string, reason: string): Change {
  return {
    action: 'delete',
    kind: 'event source',
    name: `${functionName} (${uuid})`,
    reason,
    phase: phase.deleteMapping,
    run: async ({ clients }) =>
      void (await ifExists(() => clients.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid })))),
  }
}

/** Who may invoke a function: API Gateway, EventBridge or S3, each scoped to its source ARN. */
function permissionChanges(
  desired: Desired,
  fn: DesiredFunction,
  existing: ReadonlyMap<string, string>,
  observed: Observed,
): Change[] {
  const { layout, target } = desired
  const { trigger } = fn.logical
  const wanted: { sid: string; principal: string; source: (facts: Facts) => string; account?: boolean }[] = []
  if (trigger.type === 'http')
    wanted.push({
      sid: 'xfn-http',
      principal: 'apigateway.amazonaws.com',
      source: (facts) => layout.executeApiArn(facts.apiId ?? 'pending'),
    })
  if (trigger.type === 'timer')
    wanted.push({
      sid: 'xfn-schedule',
      principal: 'events.amazonaws.com',
      source: () => layout.ruleArn(layout.rule(fn.logical.name)),
    })
  if (trigger.type === 'blob')
    wanted.push({
      sid: 'xfn-s3',
      principal: 's3.amazonaws.com',
      source: () => layout.bucketArn(layout.bucket(trigger.bucket)),
      account: true,
    })
  const changes: Change[] = []
  const plannedFacts = initialFacts(observed, desired.api)
  for (const permission of wanted) {
    const current = existing.get(permission.sid)
    if (current !== undefined && current === permission.source(plannedFacts)) continue
    changes.push({
      action: current === undefined ? 'create' : 'update',
      kind: 'permission',
      name: `${fn.name} ${permission.sid}`,
      reason: `${permission.principal} may invoke the function`,
      phase: phase.permission,
      async run({ clients, facts }) {
        if (current !== undefined)
          await ifExists(() =>
            clients.lambda.send(
              new RemovePermissionCommand({ FunctionName: fn.name, StatementId: permission.sid }),
            ),
          )
        await clients.lambda.send(
          new AddPermissionCommand({
            FunctionName: fn.name,
            StatementId: permission.sid,
            Action: 'lambda:InvokeFunction',
            Principal: permission.principal,
            SourceArn: permission.source(facts),
            ...(permission.account ? { SourceAccount: target.accountId } : {}),
          }),
        )
      },
    })
  }
  const keep = new Set(wanted.map((p) => p.sid))
  for (const sid of existing.keys()) {
    if (!sid.startsWith('xfn-') || keep.has(sid)) continue
    changes.push({
      action: 'delete',
      kind: 'permission',
      name: `${fn.name} ${sid}`,
      reason: 'its trigger changed',
      phase: phase.permission,
      run: async ({ clients }) =>
        void (await ifExists(() =>
          clients.lambda.send(new RemovePermissionCommand({ FunctionName: fn.name, StatementId: sid })),
        )),
    })
  }
  return changes
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].every((key) => a[key] === b[key])
}
