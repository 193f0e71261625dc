import { randomBytes } from 'node:crypto'
import {
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  UpdateRouteCommand,
} from '@aws-sdk/client-apigatewayv2'
import {
  DeleteRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge'
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam'
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
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  type LambdaFunctionConfiguration,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutBucketTaggingCommand,
} from '@aws-sdk/client-s3'
import { CreateQueueCommand, DeleteQueueCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs'
import { DeleteParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm'
import type { AwsClients } from './clients.js'
import { type Desired, type DesiredFunction, functionEnvironment, lambdaRuntime } from './desired.js'
import { errorName, ifExists, isConflict, isRoleNotReady, retrying, type Sleep } from './errors.js'
import type { Observed, ObservedFunction } from './observe.js'
import { lambdaTrustPolicy } from './policy.js'

export type ChangeAction = 'create' | 'update' | 'delete'

/** One step of a deploy: what changes, why, and the calls that make it so. */
export interface Change {
  readonly action: ChangeAction
  readonly kind: string
  readonly name: string
  readonly reason: string
  /** Changes run in phase order, so each finds what it depends on already made. */
  readonly phase: number
  readonly run: (context: ApplyContext) => Promise<void>
}

/** What apply learns as it goes: values only known once something exists. */
export interface Facts {
  apiKey: string | undefined
  apiId: string | undefined
  apiEndpoint: string | undefined
  readonly queueUrls: Map<string, string>
  /** Integration id by the function ARN it calls. */
  readonly integrations: Map<string, string>
}

export interface ApplyContext {
  readonly clients: AwsClients
  readonly facts: Facts
  readonly sleep: Sleep
  /** How long to retry while IAM propagates a new role. */
  readonly iamTimeoutMs: number
  /** How long to wait for a function update to finish. */
  readonly waitSeconds: number
  readonly warn: (message: string) => void
}

export interface PlanOptions {
  /** Destroy: empty and delete buckets. A deploy deletes a removed bucket only if it is empty. */
  readonly deleteData?: boolean
}

const phase = {
  apiKey: 1,
  role: 2,
  deadLetterQueue: 3,
  queue: 4,
  bucket: 5,
  function: 6,
  functionCode: 7,
  functionConfig: 8,
  mapping: 9,
  api: 10,
  permission: 11,
  integration: 12,
  route: 13,
  schedule: 14,
  notifications: 15,
  deleteRoute: 20,
  deleteIntegration: 21,
  deleteSchedule: 22,
  deleteMapping: 23,
  deleteFunction: 24,
  deleteApi: 25,
  deleteBucket: 26,
  deleteQueue: 27,
  deleteRole: 28,
  deleteApiKey: 29,
} as const

/** The facts known before anything is applied. */
export function initialFacts(observed: Observed): Facts {
  return {
    apiKey: observed.apiKey,
    apiId: observed.api?.id,
    apiEndpoint: observed.api?.endpoint,
    queueUrls: new Map([...observed.queues].map(([name, q]) => [name, q.url])),
    integrations: new Map(observed.api?.integrations ?? []),
  }
}

/**
 * Compares what should exist with what does, and returns the changes that close the gap, in
 * apply order. Pure: every read happened in observe(), so the same inputs give the same plan.
 */
export function planChanges(desired: Desired, observed: Observed, options: PlanOptions = {}): Change[] {
  const facts = initialFacts(observed)
  const changes = [
    ...apiKeyChanges(desired, observed),
    ...roleChanges(desired, observed),
    ...queueChanges(desired, observed),
    ...bucketChanges(desired, observed, options),
    ...functionChanges(desired, observed, facts),
    ...httpChanges(desired, observed),
    ...scheduleChanges(desired, observed),
    ...notificationChanges(desired, observed),
  ]
  return changes
    .map((change, index) => ({ change, index }))
    .sort((a, b) => a.change.phase - b.change.phase || a.index - b.index)
    .map(({ change }) => change)
}

function apiKeyChanges(desired: Desired, observed: Observed): Change[] {
  const Name = desired.layout.apiKeyParameter
  if (desired.needsKey && observed.apiKey === undefined)
    return [
      {
        action: 'create',
        kind: 'api key',
        name: Name,
        reason: "a route has auth: 'key'; the key is kept as an SSM SecureString",
        phase: phase.apiKey,
        async run({ clients, facts }) {
          const key = randomBytes(24).toString('base64url')
          await clients.ssm.send(
            new PutParameterCommand({ Name, Value: key, Type: 'SecureString', Tags: tagList(desired.tags) }),
          )
          facts.apiKey = key
        },
      },
    ]
  if (!desired.needsKey && observed.apiKey !== undefined)
    return [
      {
        action: 'delete',
        kind: 'api key',
        name: Name,
        reason: "no route has auth: 'key' any more",
        phase: phase.deleteApiKey,
        async run({ clients, facts }) {
          await ifExists(() => clients.ssm.send(new DeleteParameterCommand({ Name })))
          facts.apiKey = undefined
        },
      },
    ]
  return []
}

function roleChanges(desired: Desired, observed: Observed): Change[] {
  const { layout } = desired
  const changes: Change[] = []
  const wanted = new Set<string>()
  for (const fn of desired.functions) {
    wanted.add(fn.role)
    const policy = JSON.stringify(fn.policy)
    const putPolicy = (clients: AwsClients) =>
      clients.iam.send(
        new PutRolePolicyCommand({ RoleName: fn.role, PolicyName: 'xfn', PolicyDocument: policy }),
      )
    if (!observed.roles.has(fn.role)) {
      changes.push({
        action: 'create',
        kind: 'role',
        name: fn.role,
        reason: `execution role of function '${fn.logical.name}'`,
        phase: phase.role,
        async run({ clients }) {
          try {
            await clients.iam.send(
              new CreateRoleCommand({
                RoleName: fn.role,
                Path: layout.rolePath,
                AssumeRolePolicyDocument: JSON.stringify(lambdaTrustPolicy),
                Description: `xfn: ${desired.target.app} ${desired.target.stage} ${fn.logical.name}`,
                Tags: tagList(desired.tags),
              }),
            )
          } catch (error) {
            // Made by a deploy that stopped before its policy: finish the job.
            if (
              errorName(error) !== 'EntityAlreadyExists' &&
              errorName(error) !== 'EntityAlreadyExistsException'
            )
              throw error
          }
          await putPolicy(clients)
        },
      })
    } else if (!sameJson(observed.roles.get(fn.role), policy)) {
      changes.push({
        action: 'update',
        kind: 'role',
        name: fn.role,
        reason: 'its permissions changed (uses or trigger)',
        phase: phase.role,
        run: async ({ clients }) => void (await putPolicy(clients)),
      })
    }
  }
  for (const role of observed.roles.keys()) {
    if (wanted.has(role)) continue
    changes.push({
      action: 'delete',
      kind: 'role',
      name: role,
      reason: 'its function is gone',
      phase: phase.deleteRole,
      async run({ clients }) {
        await ifExists(() =>
          clients.iam.send(new DeleteRolePolicyCommand({ RoleName: role, PolicyName: 'xfn' })),
        )
        await ifExists(() => clients.iam.send(new DeleteRoleCommand({ RoleName: role })))
      },
    })
  }
  return changes
}

function queueChanges(desired: Desired, observed: Observed): Change[] {
  const changes: Change[] = []
  const wanted = new Set<string>()
  const reconcile = (
    name: string,
    attributes: Readonly<Record<string, string>>,
    order: number,
    what: string,
  ) => {
    wanted.add(name)
    const existing = observed.queues.get(name)
    if (!existing) {
      changes.push({
        action: 'create',
        kind: 'queue',
        name,
        reason: what,
        phase: order,
        async run({ clients, facts }) {
          const made = await clients.sqs.send(
            new CreateQueueCommand({ QueueName: name, Attributes: attributes, tags: desired.tags }),
          )
          if (made.QueueUrl) facts.queueUrls.set(name, made.QueueUrl)
        },
      })
      return
    }
    const differing = Object.keys(attributes).filter(
      (key) => key !== 'FifoQueue' && !sameAttribute(key, existing.attributes[key], attributes[key]),
    )
    if (differing.length === 0) return
    changes.push({
      action: 'update',
      kind: 'queue',
      name,
      reason: `${differing.join(', ')} changed`,
      phase: order,
      async run({ clients }) {
        await clients.sqs.send(
          new SetQueueAttributesCommand({
            QueueUrl: existing.url,
            Attributes: Object.fromEntries(differing.map((key) => [key, attributes[key] ?? ''])),
          }),
        )
      },
    })
  }
  for (const queue of desired.queues) {
    reconcile(
      queue.deadLetter,
      queue.deadLetterAttributes,
      phase.deadLetterQueue,
      `dead-letter queue of '${queue.logical}'`,
    )
    reconcile(queue.name, queue.attributes, phase.queue, `queue '${queue.logical}'`)
  }
  for (const [name, { url }] of observed.queues) {
    if (wanted.has(name)) continue
    changes.push({
      action: 'delete',
      kind: 'queue',
      name,
      reason: 'no longer declared by the app',
      phase: phase.deleteQueue,
      run: async ({ clients }) =>
        void (await ifExists(() => clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url })))),
    })
  }
  return changes
}

function bucketChanges(desired: Desired, observed: Observed, options: PlanOptions): Change[] {
  const changes: Change[] = []
  const { region } = desired.target
  for (const bucket of desired.buckets) {
    if (observed.buckets.has(bucket.name)) continue
    changes.push({
      action: 'create',
      kind: 'bucket',
      name: bucket.name,
      reason: `bucket '${bucket.logical}'`,
      phase: phase.bucket,
      async run({ clients }) {
        try {
          await clients.s3.send(
            new CreateBucketCommand({
              Bucket: bucket.name,
              ...(region === 'us-east-1'
                ? {}
                : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
            }),
          )
        } catch (error) {
          // Made by a deploy that stopped before tagging it.
          if (errorName(error) !== 'BucketAlreadyOwnedByYou') throw error
        }
        await clients.s3.send(
          new PutBucketTaggingCommand({ Bucket: bucket.name, Tagging: { TagSet: tagList(desired.tags) } }),
        )
      },
    })
  }
  const wanted = new Set(desired.buckets.map((b) => b.name))
  for (const name of observed.buckets.keys()) {
    if (wanted.has(name)) continue
    changes.push({
      action: 'delete',
      kind: 'bucket',
      name,
      reason: options.deleteData
        ? 'destroy: its objects are deleted too'
        : 'no longer declared (kept if it holds objects)',
      phase: phase.deleteBucket,
      async run({ clients, warn }) {
        const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: name, MaxKeys: 1000 }))
        if ((listed.KeyCount ?? 0) > 0 && !options.deleteData) {
          warn(`Kept bucket ${name}: it holds objects. Empty it, or run xfn destroy, to remove it.`)
          return
        }
        let page = listed
        while ((page.Contents ?? []).length > 0) {
          await clients.s3.send(
            new DeleteObjectsCommand({
              Bucket: name,
              Delete: { Objects: (page.Contents ?? []).map((o) => ({ Key: o.Key })), Quiet: true },
            }),
          )
          if (!page.IsTruncated) break
          page = await clients.s3.send(new ListObjectsV2Command({ Bucket: name, MaxKeys: 1000 }))
        }
        await ifExists(() => clients.s3.send(new DeleteBucketCommand({ Bucket: name })))
      },
    })
  }
  return changes
}

function functionChanges(desired: Desired, observed: Observed, facts: Facts): Change[] {
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
      Environment: { Variables: functionEnvironment(fn, context.facts.queueUrls, context.facts.apiKey) },
      LoggingConfig: { LogFormat: 'JSON' as const },
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
  const source =
    trigger.type === 'queue'
      ? desired.layout.queueArn(desired.queues.find((q) => q.logical === trigger.queue)?.name ?? '')
      : undefined
  for (const mapping of existing)
    if (mapping.source !== source) changes.push(deleteMapping(fn.name, mapping.uuid, 'its queue changed'))
  if (trigger.type !== 'queue' || !source) return changes
  const current = existing.find((m) => m.source === source)
  const settings = {
    BatchSize: trigger.batchSize,
    FunctionResponseTypes: batchResponses as never,
  }
  if (!current)
    changes.push({
      action: 'create',
      kind: 'event source',
      name: `${fn.name} ← ${trigger.queue}`,
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
      name: `${fn.name} ← ${trigger.queue}`,
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
  const plannedFacts = initialFacts(observed)
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

function httpChanges(desired: Desired, observed: Observed): Change[] {
  const { layout } = desired
  const changes: Change[] = []
  const api = observed.api
  if (desired.routes.length === 0) {
    if (api)
      changes.push({
        action: 'delete',
        kind: 'http api',
        name: layout.api,
        reason: 'the app has no HTTP functions any more',
        phase: phase.deleteApi,
        run: async ({ clients }) =>
          void (await ifExists(() => clients.api.send(new DeleteApiCommand({ ApiId: api.id })))),
      })
    return changes
  }
  if (!api)
    changes.push({
      action: 'create',
      kind: 'http api',
      name: layout.api,
      reason: 'HTTP API (payload 2.0) with an auto-deployed $default stage',
      phase: phase.api,
      async run({ clients, facts }) {
        const made = await clients.api.send(
          new CreateApiCommand({ Name: layout.api, ProtocolType: 'HTTP', Tags: desired.tags }),
        )
        facts.apiId = made.ApiId
        facts.apiEndpoint = made.ApiEndpoint
        await clients.api.send(
          new CreateStageCommand({ ApiId: made.ApiId, StageName: '$default', AutoDeploy: true }),
        )
      },
    })
  else if (!api.hasDefaultStage)
    changes.push({
      action: 'create',
      kind: 'http api stage',
      name: `${layout.api} $default`,
      reason: 'the auto-deployed stage is missing',
      phase: phase.api,
      run: async ({ clients }) =>
        void (await clients.api.send(
          new CreateStageCommand({ ApiId: api.id, StageName: '$default', AutoDeploy: true }),
        )),
    })
  const httpFunctions = desired.functions.filter((fn) => fn.logical.trigger.type === 'http')
  const wantedArns = new Set(httpFunctions.map((fn) => layout.functionArn(fn.name)))
  for (const fn of httpFunctions) {
    const arn = layout.functionArn(fn.name)
    if (api?.integrations.has(arn)) continue
    changes.push({
      action: 'create',
      kind: 'integration',
      name: fn.name,
      reason: 'AWS_PROXY, payload 2.0',
      phase: phase.integration,
      async run({ clients, facts }) {
        const made = await clients.api.send(
          new CreateIntegrationCommand({
            ApiId: facts.apiId,
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: arn,
            PayloadFormatVersion: '2.0',
            TimeoutInMillis: Math.min(30_000, fn.logical.timeoutSeconds * 1000 + 1000),
          }),
        )
        if (made.IntegrationId) facts.integrations.set(arn, made.IntegrationId)
      },
    })
  }
  const wantedRoutes = new Set<string>()
  for (const route of desired.routes) {
    wantedRoutes.add(route.key)
    const arn = layout.functionArn(layout.function(route.function))
    const current = api?.routes.get(route.key)
    const knownIntegration = api?.integrations.get(arn)
    if (current && knownIntegration && current.target === `integrations/${knownIntegration}`) continue
    changes.push({
      action: current ? 'update' : 'create',
      kind: 'route',
      name: route.key,
      reason: `to ${route.function}`,
      phase: phase.route,
      async run({ clients, facts }) {
        const Target = `integrations/${facts.integrations.get(arn)}`
        if (current)
          await clients.api.send(new UpdateRouteCommand({ ApiId: facts.apiId, RouteId: current.id, Target }))
        else
          await clients.api.send(new CreateRouteCommand({ ApiId: facts.apiId, RouteKey: route.key, Target }))
      },
    })
  }
  if (!api) return changes
  for (const [key, route] of api.routes) {
    if (wantedRoutes.has(key)) continue
    changes.push({
      action: 'delete',
      kind: 'route',
      name: key,
      reason: 'no function serves it any more',
      phase: phase.deleteRoute,
      run: async ({ clients }) =>
        void (await ifExists(() =>
          clients.api.send(new DeleteRouteCommand({ ApiId: api.id, RouteId: route.id })),
        )),
    })
  }
  for (const [arn, id] of api.integrations) {
    if (wantedArns.has(arn)) continue
    changes.push({
      action: 'delete',
      kind: 'integration',
      name: arn.slice(arn.lastIndexOf(':') + 1),
      reason: 'its function no longer serves HTTP',
      phase: phase.deleteIntegration,
      run: async ({ clients }) =>
        void (await ifExists(() =>
          clients.api.send(new DeleteIntegrationCommand({ ApiId: api.id, IntegrationId: id })),
        )),
    })
  }
  return changes
}

function scheduleChanges(desired: Desired, observed: Observed): Change[] {
  const { layout } = desired
  const changes: Change[] = []
  for (const schedule of desired.schedules) {
    const current = observed.rules.get(schedule.rule)
    const arn = layout.functionArn(layout.function(schedule.function))
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
function notificationChanges(desired: Desired, observed: Observed): Change[] {
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
          LambdaFunctionArn: layout.functionArn(fn.name),
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

function tagList(tags: Record<string, string>) {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
}

function sameJson(a: string | undefined, b: string): boolean {
  if (a === undefined) return false
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b))
  } catch {
    return false
  }
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].every((key) => a[key] === b[key])
}

/** SQS returns numbers as strings, and the redrive policy as JSON with either form. */
function sameAttribute(key: string, actual: string | undefined, wanted: string | undefined): boolean {
  if (key !== 'RedrivePolicy') return actual === wanted
  if (!actual || !wanted) return actual === wanted
  const parse = (text: string) => {
    const policy = JSON.parse(text) as { deadLetterTargetArn?: string; maxReceiveCount?: unknown }
    return `${policy.deadLetterTargetArn}|${String(policy.maxReceiveCount)}`
  }
  return parse(actual) === parse(wanted)
}
