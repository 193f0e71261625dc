import { createHash } from 'node:crypto'
import {
  GetApiKeysCommand,
  GetDeploymentCommand,
  GetGatewayResponsesCommand,
  GetResourcesCommand,
  GetRestApisCommand,
  GetStagesCommand as GetRestStagesCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
} from '@aws-sdk/client-api-gateway'
import {
  GetApisCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStagesCommand,
} from '@aws-sdk/client-apigatewayv2'
import {
  DescribeRuleCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge'
import { GetRolePolicyCommand, paginateListRoles } from '@aws-sdk/client-iam'
import {
  type FunctionConfiguration,
  GetFunctionCommand,
  GetPolicyCommand,
  ListEventSourceMappingsCommand,
  paginateListAliases,
  paginateListFunctions,
  paginateListVersionsByFunction,
} from '@aws-sdk/client-lambda'
import {
  GetBucketNotificationConfigurationCommand,
  GetBucketTaggingCommand,
  ListBucketsCommand,
  type NotificationConfiguration,
} from '@aws-sdk/client-s3'
import {
  GetSubscriptionAttributesCommand,
  ListTagsForResourceCommand as ListTopicTagsCommand,
  paginateListSubscriptionsByTopic,
  paginateListTopics,
} from '@aws-sdk/client-sns'
import { GetQueueAttributesCommand, ListQueuesCommand, ListQueueTagsCommand } from '@aws-sdk/client-sqs'
import { GetParameterCommand, paginateGetParametersByPath } from '@aws-sdk/client-ssm'
import { ownedBy } from '@xfn/core'
import type { AwsClients } from './clients.js'
import { ifExists } from './errors.js'
import { type AwsRelease, readReleases } from './releases.js'
import type { AwsLayout, AwsTarget } from './target.js'

/*
 * The read side of the reconciler: what exists on AWS for one app and stage, found by derived
 * names and confirmed by the xfn:app and xfn:stage tags. Only reads happen here.
 */

export interface ObservedFunction {
  /** The configuration of `$LATEST`, which deploys update and versions are published from. */
  readonly config: FunctionConfiguration
  readonly tags: Record<string, string>
  /** The version the `live` alias invokes, when the alias exists. */
  readonly live: string | undefined
  /** The published versions, by number, with the code and configuration each holds. */
  readonly versions: ReadonlyMap<string, FunctionConfiguration>
  /** Source ARN of each statement of the `live` alias's resource policy, by statement id. */
  readonly permissions: ReadonlyMap<string, string>
  /** The same of the unqualified function's policy, where deploys before aliases put them. */
  readonly unqualifiedPermissions: ReadonlyMap<string, string>
  readonly mappings: readonly {
    uuid: string
    source: string
    /** The function, version or alias ARN it invokes. */
    functionArn: string
    batchSize: number | undefined
    responseTypes: readonly string[]
  }[]
}

export interface ObservedApi {
  readonly id: string
  readonly endpoint: string
  readonly hasDefaultStage: boolean
  /** Integration id by the function ARN it calls. */
  readonly integrations: ReadonlyMap<string, string>
  readonly routes: ReadonlyMap<string, { id: string; target: string }>
}

export interface Observed {
  readonly apiKey: string | undefined
  /** Role name to its inline policy document (undefined when the role has none). */
  readonly roles: ReadonlyMap<string, string | undefined>
  readonly queues: ReadonlyMap<string, { url: string; attributes: Record<string, string> }>
  readonly buckets: ReadonlyMap<string, { notifications: NotificationConfiguration }>
  /** The app's SNS topics by name, each with the subscriptions of the app's queues by queue ARN. */
  readonly topics: ReadonlyMap<string, ObservedTopic>
  /** The secrets that have a value (`xfn secret set`), by name. */
  readonly secrets: ReadonlySet<string>
  readonly functions: ReadonlyMap<string, ObservedFunction>
  /** The app's recorded releases, oldest first. */
  readonly releases: readonly AwsRelease[]
  readonly rules: ReadonlyMap<string, { expression: string | undefined; targets: readonly string[] }>
  readonly api: ObservedApi | undefined
  readonly restApi: ObservedRestApi | undefined
  readonly usage: ObservedUsage
}

export interface ObservedTopic {
  readonly arn: string
  readonly subscriptions: ReadonlyMap<string, { arn: string; attributes: Record<string, string> }>
}

export interface ObservedRestApi {
  readonly id: string
  /** Resource id and methods by path; each method with whether it needs the key and its Lambda URI. */
  readonly resources: ReadonlyMap<
    string,
    { readonly id: string; readonly methods: ReadonlyMap<string, { apiKeyRequired: boolean; uri: string }> }
  >
  readonly stageExists: boolean
  /** Status code of each customised gateway response, by type. */
  readonly gatewayResponses: ReadonlyMap<string, string>
  /** A digest of the routes as they are now (see restDefinitionDigest). */
  readonly digest: string
  /** The digest recorded by the deploy that published what the stage serves; undefined if none did. */
  readonly publishedDigest: string | undefined
}

/** How a deployment records what it published: `xfn deploy <digest>`. */
export const publishedDescription = (digest: string) => `xfn deploy ${digest}`

/**
 * A digest of what a REST API would publish: every path's methods, with their key requirement
 * and Lambda, and the customised gateway responses. A REST API serves its last deployment, not
 * its definition, so the deploy compares the two through this digest: equal, the stage is up to
 * date, whatever an interrupted deploy left between them.
 */
export function restDefinitionDigest(
  resources: ObservedRestApi['resources'],
  gatewayResponses: ReadonlyMap<string, string>,
): string {
  const routes = [...resources]
    .flatMap(([path, resource]) =>
      [...resource.methods].map(([method, m]) => [path, method, m.apiKeyRequired, m.uri].join(' ')),
    )
    .sort()
  const responses = [...gatewayResponses].map(([type, status]) => `${type} ${status}`).sort()
  return createHash('sha256').update(JSON.stringify({ routes, responses })).digest('hex').slice(0, 32)
}

export interface ObservedUsage {
  readonly apiKey: { readonly id: string; readonly value: string } | undefined
  readonly plan:
    | {
        readonly id: string
        readonly rateLimit: number | undefined
        readonly burstLimit: number | undefined
        readonly quotaLimit: number | undefined
        readonly quotaPeriod: string | undefined
        readonly stages: readonly string[]
        readonly keyIds: readonly string[]
      }
    | undefined
}

export async function observe(clients: AwsClients, target: AwsTarget, layout: AwsLayout): Promise<Observed> {
  const [apiKey, roles, queues, buckets, topics, secrets, functions, releases, rules, api, restApi, usage] =
    await Promise.all([
      readApiKey(clients, layout),
      readRoles(clients, layout),
      readQueues(clients, target, layout),
      readBuckets(clients, target, layout),
      readTopics(clients, target, layout),
      readSecretNames(clients, layout),
      readFunctions(clients, target, layout),
      readReleases(clients, layout),
      readRules(clients, target, layout),
      readApi(clients, target, layout),
      readRestApi(clients, target, layout),
      readUsage(clients, target, layout),
    ])
  return { apiKey, roles, queues, buckets, topics, secrets, functions, releases, rules, api, restApi, usage }
}

async function readApiKey(clients: AwsClients, layout: AwsLayout) {
  const found = await ifExists(() =>
    clients.ssm.send(new GetParameterCommand({ Name: layout.apiKeyParameter, WithDecryption: true })),
  )
  return found?.Parameter?.Value
}

/** The names of the app's secrets that have a value; their values are not read. */
export async function readSecretNames(clients: AwsClients, layout: AwsLayout): Promise<Set<string>> {
  const names = new Set<string>()
  for await (const page of paginateGetParametersByPath(
    { client: clients.ssm },
    { Path: layout.secretsPath, WithDecryption: false },
  ))
    for (const parameter of page.Parameters ?? [])
      if (parameter.Name) names.add(parameter.Name.slice(layout.secretsPath.length))
  return names
}

async function readRoles(clients: AwsClients, layout: AwsLayout) {
  const roles = new Map<string, string | undefined>()
  for await (const page of paginateListRoles({ client: clients.iam }, { PathPrefix: layout.rolePath })) {
    for (const role of page.Roles ?? []) if (role.RoleName) roles.set(role.RoleName, undefined)
  }
  await Promise.all(
    [...roles.keys()].map(async (name) => {
      const policy = await ifExists(() =>
        clients.iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: 'xfn' })),
      )
      roles.set(name, policy?.PolicyDocument && decodeURIComponent(policy.PolicyDocument))
    }),
  )
  return roles
}

async function readQueues(clients: AwsClients, target: AwsTarget, layout: AwsLayout) {
  const urls: string[] = []
  let NextToken: string | undefined
  do {
    const page = await clients.sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: `${layout.prefix}-`, NextToken, MaxResults: 1000 }),
    )
    urls.push(...(page.QueueUrls ?? []))
    NextToken = page.NextToken
  } while (NextToken)
  const queues = new Map<string, { url: string; attributes: Record<string, string> }>()
  await Promise.all(
    urls.map(async (url) => {
      const tags = await ifExists(() => clients.sqs.send(new ListQueueTagsCommand({ QueueUrl: url })))
      if (!ownedBy(tags?.Tags, target)) return
      const attributes = await ifExists(() =>
        clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })),
      )
      if (attributes)
        queues.set(url.slice(url.lastIndexOf('/') + 1), { url, attributes: attributes.Attributes ?? {} })
    }),
  )
  return queues
}

/**
 * The app's topics (named with its prefix, tagged as its own) and, on each, the subscriptions of
 * the app's queues with their attributes; anyone else's subscriptions are left out, and alone.
 */
async function readTopics(clients: AwsClients, target: AwsTarget, layout: AwsLayout) {
  const arns: string[] = []
  for await (const page of paginateListTopics({ client: clients.sns }, {}))
    for (const topic of page.Topics ?? [])
      if (topic.TopicArn?.slice(topic.TopicArn.lastIndexOf(':') + 1).startsWith(`${layout.prefix}-`))
        arns.push(topic.TopicArn)
  const ours = layout.queueArn(`${layout.prefix}-`)
  const topics = new Map<string, ObservedTopic>()
  await Promise.all(
    arns.map(async (arn) => {
      const tags = await ifExists(() => clients.sns.send(new ListTopicTagsCommand({ ResourceArn: arn })))
      if (!ownedBy(Object.fromEntries((tags?.Tags ?? []).map((t) => [t.Key, t.Value])), target)) return
      const subscriptions = new Map<string, { arn: string; attributes: Record<string, string> }>()
      for await (const page of paginateListSubscriptionsByTopic({ client: clients.sns }, { TopicArn: arn }))
        for (const s of page.Subscriptions ?? []) {
          if (s.Protocol !== 'sqs' || !s.Endpoint?.startsWith(ours) || !s.SubscriptionArn?.startsWith('arn:'))
            continue
          const found = await ifExists(() =>
            clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn })),
          )
          if (found)
            subscriptions.set(s.Endpoint, { arn: s.SubscriptionArn, attributes: found.Attributes ?? {} })
        }
      topics.set(arn.slice(arn.lastIndexOf(':') + 1), { arn, subscriptions })
    }),
  )
  return topics
}

async function readBuckets(clients: AwsClients, target: AwsTarget, layout: AwsLayout) {
  const candidates: string[] = []
  let ContinuationToken: string | undefined
  do {
    const page = await clients.s3.send(
      new ListBucketsCommand({ Prefix: `${layout.prefix}-`, ContinuationToken, MaxBuckets: 1000 }),
    )
    candidates.push(...(page.Buckets ?? []).flatMap((b) => (b.Name ? [b.Name] : [])))
    ContinuationToken = page.ContinuationToken
  } while (ContinuationToken)
  const buckets = new Map<string, { notifications: NotificationConfiguration }>()
  await Promise.all(
    candidates.map(async (name) => {
      const tagging = await ifExists(() => clients.s3.send(new GetBucketTaggingCommand({ Bucket: name })))
      const tags = Object.fromEntries((tagging?.TagSet ?? []).map((t) => [t.Key, t.Value]))
      if (!ownedBy(tags, target)) return
      const notifications = await clients.s3.send(
        new GetBucketNotificationConfigurationCommand({ Bucket: name }),
      )
      buckets.set(name, { notifications })
    }),
  )
  return buckets
}

/** The app's functions; `triggers: false` skips their policies and event source mappings. */
export async function readFunctions(
  clients: AwsClients,
  target: AwsTarget,
  layout: AwsLayout,
  options: { readonly triggers?: boolean } = {},
) {
  const names: string[] = []
  for await (const page of paginateListFunctions({ client: clients.lambda }, {})) {
    for (const fn of page.Functions ?? [])
      if (fn.FunctionName?.startsWith(`${layout.prefix}-`)) names.push(fn.FunctionName)
  }
  const functions = new Map<string, ObservedFunction>()
  await Promise.all(
    names.map(async (name) => {
      const found = await ifExists(() => clients.lambda.send(new GetFunctionCommand({ FunctionName: name })))
      if (!found?.Configuration || !ownedBy(found.Tags, target)) return
      const [live, versions] = await Promise.all([
        readLiveAlias(clients, name, layout.alias),
        readVersions(clients, name),
      ])
      const [policy, unqualifiedPolicy, mappings] =
        options.triggers === false
          ? []
          : await Promise.all([
              live === undefined
                ? undefined
                : ifExists(() =>
                    clients.lambda.send(
                      new GetPolicyCommand({ FunctionName: name, Qualifier: layout.alias }),
                    ),
                  ),
              ifExists(() => clients.lambda.send(new GetPolicyCommand({ FunctionName: name }))),
              readMappings(clients, name, live === undefined ? undefined : layout.alias),
            ])
      functions.set(name, {
        config: found.Configuration,
        tags: found.Tags ?? {},
        live,
        versions,
        permissions: permissionsOf(policy?.Policy),
        unqualifiedPermissions: permissionsOf(unqualifiedPolicy?.Policy),
        mappings: mappings ?? [],
      })
    }),
  )
  return functions
}

async function readLiveAlias(clients: AwsClients, name: string, alias: string) {
  for await (const page of paginateListAliases({ client: clients.lambda }, { FunctionName: name }))
    for (const found of page.Aliases ?? []) if (found.Name === alias) return found.FunctionVersion
  return undefined
}

async function readVersions(clients: AwsClients, name: string) {
  const versions = new Map<string, FunctionConfiguration>()
  for await (const page of paginateListVersionsByFunction({ client: clients.lambda }, { FunctionName: name }))
    for (const version of page.Versions ?? [])
      if (version.Version && version.Version !== '$LATEST') versions.set(version.Version, version)
  return versions
}

/**
 * The mappings that invoke the function, whether unqualified or through its alias (when it has
 * one: Lambda knows no mappings of an alias that does not exist), once each.
 */
async function readMappings(clients: AwsClients, name: string, alias: string | undefined) {
  const pages = await Promise.all(
    [name, ...(alias ? [`${name}:${alias}`] : [])].map((FunctionName) =>
      clients.lambda.send(new ListEventSourceMappingsCommand({ FunctionName })),
    ),
  )
  const byUuid = new Map(
    pages.flatMap((page) => page.EventSourceMappings ?? []).map((m) => [m.UUID ?? '', m] as const),
  )
  return [...byUuid.values()].map((m) => ({
    uuid: m.UUID ?? '',
    source: m.EventSourceArn ?? '',
    functionArn: m.FunctionArn ?? '',
    batchSize: m.BatchSize,
    responseTypes: m.FunctionResponseTypes ?? [],
  }))
}

function permissionsOf(policy: string | undefined): Map<string, string> {
  const statements = policy
    ? ((
        JSON.parse(policy) as {
          Statement?: { Sid?: string; Condition?: { ArnLike?: Record<string, string> } }[]
        }
      ).Statement ?? [])
    : []
  return new Map(statements.map((s) => [s.Sid ?? '', s.Condition?.ArnLike?.['AWS:SourceArn'] ?? '']))
}

async function readRules(clients: AwsClients, target: AwsTarget, layout: AwsLayout) {
  const rules = new Map<string, { expression: string | undefined; targets: readonly string[] }>()
  const found: { Name?: string; Arn?: string }[] = []
  let NextToken: string | undefined
  do {
    const page = await clients.events.send(
      new ListRulesCommand({ NamePrefix: `${layout.prefix}-`, NextToken }),
    )
    found.push(...(page.Rules ?? []))
    NextToken = page.NextToken
  } while (NextToken)
  await Promise.all(
    found.map(async ({ Name, Arn }) => {
      if (!Name || !Arn) return
      const tags = await clients.events.send(new ListTagsForResourceCommand({ ResourceARN: Arn }))
      const byKey = Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key, t.Value]))
      if (!ownedBy(byKey, target)) return
      const [rule, targets] = await Promise.all([
        clients.events.send(new DescribeRuleCommand({ Name })),
        clients.events.send(new ListTargetsByRuleCommand({ Rule: Name })),
      ])
      rules.set(Name, {
        expression: rule.ScheduleExpression,
        targets: (targets.Targets ?? []).flatMap((t) => (t.Arn ? [t.Arn] : [])),
      })
    }),
  )
  return rules
}

async function readApi(
  clients: AwsClients,
  target: AwsTarget,
  layout: AwsLayout,
): Promise<ObservedApi | undefined> {
  let NextToken: string | undefined
  let api: { ApiId?: string; ApiEndpoint?: string } | undefined
  do {
    const page = await clients.api.send(new GetApisCommand({ NextToken }))
    api ??= (page.Items ?? []).find((a) => a.Name === layout.api && ownedBy(a.Tags, target))
    NextToken = page.NextToken
  } while (NextToken && !api)
  if (!api?.ApiId) return undefined
  const ApiId = api.ApiId
  const [stages, integrations, routes] = await Promise.all([
    clients.api.send(new GetStagesCommand({ ApiId })),
    clients.api.send(new GetIntegrationsCommand({ ApiId, MaxResults: '500' })),
    clients.api.send(new GetRoutesCommand({ ApiId, MaxResults: '500' })),
  ])
  return {
    id: ApiId,
    endpoint: api.ApiEndpoint ?? '',
    hasDefaultStage: (stages.Items ?? []).some((s) => s.StageName === '$default'),
    integrations: new Map(
      (integrations.Items ?? []).map((i) => [i.IntegrationUri ?? '', i.IntegrationId ?? '']),
    ),
    routes: new Map(
      (routes.Items ?? []).map((r) => [r.RouteKey ?? '', { id: r.RouteId ?? '', target: r.Target ?? '' }]),
    ),
  }
}

/** A REST API's definition as it is now: its resources with their methods, and its customised gateway responses. */
export async function readRestDefinition(
  clients: AwsClients,
  restApiId: string,
): Promise<Pick<ObservedRestApi, 'resources' | 'gatewayResponses'>> {
  const resources = new Map<
    string,
    { id: string; methods: Map<string, { apiKeyRequired: boolean; uri: string }> }
  >()
  let resourcePosition: string | undefined
  do {
    const page = await clients.rest.send(
      new GetResourcesCommand({ restApiId, embed: ['methods'], limit: 500, position: resourcePosition }),
    )
    for (const item of page.items ?? [])
      resources.set(item.path ?? '', {
        id: item.id ?? '',
        methods: new Map(
          Object.entries(item.resourceMethods ?? {}).map(([method, m]) => [
            method,
            { apiKeyRequired: m.apiKeyRequired ?? false, uri: m.methodIntegration?.uri ?? '' },
          ]),
        ),
      })
    resourcePosition = page.position
  } while (resourcePosition)
  const responses = await clients.rest.send(new GetGatewayResponsesCommand({ restApiId, limit: 500 }))
  const gatewayResponses = new Map(
    (responses.items ?? [])
      .filter((r) => r.defaultResponse === false)
      .map((r) => [r.responseType ?? '', r.statusCode ?? '']),
  )
  return { resources, gatewayResponses }
}

async function readRestApi(
  clients: AwsClients,
  target: AwsTarget,
  layout: AwsLayout,
): Promise<ObservedRestApi | undefined> {
  let position: string | undefined
  let api: { id?: string } | undefined
  do {
    const page = await clients.rest.send(new GetRestApisCommand({ position, limit: 500 }))
    api ??= (page.items ?? []).find((a) => a.name === layout.api && ownedBy(a.tags, target))
    position = page.position
  } while (position && !api)
  if (!api?.id) return undefined
  const restApiId = api.id
  const [{ resources, gatewayResponses }, stages] = await Promise.all([
    readRestDefinition(clients, restApiId),
    clients.rest.send(new GetRestStagesCommand({ restApiId })),
  ])
  const stage = (stages.item ?? []).find((s) => s.stageName === target.stage)
  const deployment = stage?.deploymentId
    ? await clients.rest.send(new GetDeploymentCommand({ restApiId, deploymentId: stage.deploymentId }))
    : undefined
  return {
    id: restApiId,
    resources,
    stageExists: stage !== undefined,
    gatewayResponses,
    digest: restDefinitionDigest(resources, gatewayResponses),
    publishedDigest: /^xfn deploy ([0-9a-f]+)$/.exec(deployment?.description ?? '')?.[1],
  }
}

async function readUsage(clients: AwsClients, target: AwsTarget, layout: AwsLayout): Promise<ObservedUsage> {
  const [keys, plans] = await Promise.all([
    clients.rest.send(new GetApiKeysCommand({ nameQuery: layout.api, includeValues: true, limit: 500 })),
    clients.rest.send(new GetUsagePlansCommand({ limit: 500 })),
  ])
  const key = (keys.items ?? []).find((k) => k.name === layout.api && ownedBy(k.tags, target))
  const plan = (plans.items ?? []).find((p) => p.name === layout.api && ownedBy(p.tags, target))
  const planKeys = plan?.id
    ? await clients.rest.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id, limit: 500 }))
    : undefined
  return {
    apiKey: key?.id ? { id: key.id, value: key.value ?? '' } : undefined,
    plan: plan?.id
      ? {
          id: plan.id,
          rateLimit: plan.throttle?.rateLimit,
          burstLimit: plan.throttle?.burstLimit,
          quotaLimit: plan.quota?.limit,
          quotaPeriod: plan.quota?.period,
          stages: (plan.apiStages ?? []).map((s) => `${s.apiId}/${s.stage}`),
          keyIds: (planKeys?.items ?? []).flatMap((k) => (k.id ? [k.id] : [])),
        }
      : undefined,
  }
}
