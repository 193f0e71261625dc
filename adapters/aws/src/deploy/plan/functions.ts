import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  type FunctionConfiguration,
  PublishVersionCommand,
  RemovePermissionCommand,
  UpdateAliasCommand,
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
    const wanted = configuration({ facts } as ApplyContext)
    const liveVersion = existing?.live === undefined ? undefined : existing.versions.get(existing.live)
    const liveDiffers =
      !liveVersion ||
      liveVersion.CodeSha256 !== desired.codeSha256 ||
      configurationDifferences(fn, liveVersion, wanted).length > 0
    if (liveDiffers) changes.push(publishChange(desired, fn.name, existing?.live !== undefined))
    changes.push(...mappingChanges(desired, fn, existing?.mappings ?? []))
    changes.push(...permissionChanges(desired, fn, existing, observed))
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

/**
 * Publishes a version of what `$LATEST` now holds (only if it still holds this build) and points
 * the `live` alias, which every trigger invokes, at it. Lambda publishes no new version when
 * nothing changed since the last one, so a re-run after an interruption reuses it.
 */
function publishChange(desired: Desired, name: string, aliasExists: boolean): Change {
  const { layout } = desired
  return {
    action: aliasExists ? 'update' : 'create',
    kind: 'version',
    name,
    reason: `published, and its ${layout.alias} alias, which the triggers invoke, points at it`,
    phase: phase.publish,
    async run(context) {
      const { clients, waitSeconds, facts } = context
      await waitUntilFunctionUpdatedV2(
        { client: clients.lambda, maxWaitTime: waitSeconds },
        { FunctionName: name },
      )
      const published = await retrying(
        () =>
          clients.lambda.send(
            new PublishVersionCommand({ FunctionName: name, CodeSha256: desired.codeSha256 }),
          ),
        isConflict,
        { timeoutMs: context.iamTimeoutMs, sleep: context.sleep },
      )
      const version = published.Version ?? ''
      const alias = {
        FunctionName: name,
        Name: layout.alias,
        FunctionVersion: version,
        Description: 'xfn deploy',
      }
      if (aliasExists) await clients.lambda.send(new UpdateAliasCommand(alias))
      else
        try {
          await clients.lambda.send(new CreateAliasCommand(alias))
        } catch (error) {
          // Made by an interrupted run that observed none.
          if (!isConflict(error)) throw error
          await clients.lambda.send(new UpdateAliasCommand(alias))
        }
      facts.versions.set(name, version)
    },
  }
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
  const { layout } = desired
  const source = queue && layout.queueArn(queue)
  const FunctionName = `${fn.name}:${layout.alias}`
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
                FunctionName,
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
  else if (
    current.batchSize !== trigger.batchSize ||
    current.responseTypes.join() !== batchResponses.join() ||
    current.functionArn !== layout.liveArn(fn.name)
  )
    changes.push({
      action: 'update',
      kind: 'event source',
      name: `${fn.name} ← ${consumed}`,
      reason:
        current.functionArn !== layout.liveArn(fn.name)
          ? `to the ${layout.alias} alias`
          : 'batch size or failure reporting changed',
      phase: phase.mapping,
      async run({ clients, sleep, iamTimeoutMs }) {
        await retrying(
          () =>
            clients.lambda.send(
              new UpdateEventSourceMappingCommand({ UUID: current.uuid, FunctionName, ...settings }),
            ),
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

/**
 * Who may invoke a function's alias: API Gateway, EventBridge or S3, each scoped to its source
 * ARN. The statements deploys made before aliases, on the unqualified function, go.
 */
function permissionChanges(
  desired: Desired,
  fn: DesiredFunction,
  observedFunction: ObservedFunction | undefined,
  observed: Observed,
): Change[] {
  const { layout, target } = desired
  const existing = observedFunction?.permissions ?? new Map<string, string>()
  const Qualifier = layout.alias
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
              new RemovePermissionCommand({ FunctionName: fn.name, Qualifier, StatementId: permission.sid }),
            ),
          )
        await clients.lambda.send(
          new AddPermissionCommand({
            FunctionName: fn.name,
            Qualifier,
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
  const removal = (sid: string, qualifier: string | undefined, reason: string): Change => ({
    action: 'delete',
    kind: 'permission',
    name: `${qualifier ? `${fn.name}:${qualifier}` : fn.name} ${sid}`,
    reason,
    // The unqualified statements go once every trigger invokes the alias.
    phase: qualifier ? phase.permission : phase.deleteRoute,
    run: async ({ clients }) =>
      void (await ifExists(() =>
        clients.lambda.send(
          new RemovePermissionCommand({ FunctionName: fn.name, StatementId: sid, Qualifier: qualifier }),
        ),
      )),
  })
  for (const sid of existing.keys())
    if (sid.startsWith('xfn-') && !keep.has(sid)) changes.push(removal(sid, Qualifier, 'its trigger changed'))
  for (const sid of observedFunction?.unqualifiedPermissions.keys() ?? [])
    if (sid.startsWith('xfn-'))
      changes.push(removal(sid, undefined, `the triggers invoke the ${layout.alias} alias instead`))
  return changes
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].every((key) => a[key] === b[key])
}
