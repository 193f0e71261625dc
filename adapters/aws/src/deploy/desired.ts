import { createHash } from 'node:crypto'
import {
  apiKeyHashSetting,
  defaultReleasesKept,
  environmentBytes,
  environmentLimitBytes,
  hashApiKey,
  type Manifest,
  type ManifestFunction,
  ownerTags,
  parseSchedule,
  type ReleaseShape,
  releaseShape,
  settingsDigest,
  toAwsSchedule,
  XfnError,
} from '@xfn/core'
import type { AwsResources } from '../runtime/resources.js'
import { functionPolicy, type PolicyDocument } from './policy.js'
import { type AwsLayout, type AwsTarget, awsLayout } from './target.js'

/** What `xfn build --cloud aws` made, as the deployer needs it. */
export interface AwsBuild {
  readonly manifest: Manifest
  /** The shared zip of every function. */
  readonly zip: Uint8Array
  /** Handler string per function name, such as `index.createOrder`. */
  readonly handlers: Readonly<Record<string, string>>
}

/** The Lambda runtime of deployed functions. */
export const lambdaRuntime = 'nodejs22.x' as const

export interface DesiredFunction {
  readonly logical: ManifestFunction
  readonly name: string
  readonly role: string
  readonly handler: string
  readonly policy: PolicyDocument
  /** Logical to physical names of the queues, buckets and topics it may call, for its XFN_RESOURCES. */
  readonly queues: Readonly<Record<string, string>>
  readonly buckets: Readonly<Record<string, string>>
  readonly topics: Readonly<Record<string, string>>
  /** The SSM parameter of each secret it reads. */
  readonly secrets: Readonly<Record<string, string>>
}

export interface DesiredQueue {
  readonly logical: string
  readonly name: string
  readonly deadLetter: string
  readonly fifo: boolean
  readonly attributes: Readonly<Record<string, string>>
  readonly deadLetterAttributes: Readonly<Record<string, string>>
}

/** An SNS topic of the app. */
export interface DesiredTopic {
  readonly logical: string
  readonly name: string
  readonly arn: string
}

/**
 * One `app.topic` function's subscription: its own SQS queue (among the desired queues, with its
 * dead-letter queue) subscribed to the topic with raw message delivery, so the queue receives the
 * published text as its body and the attributes as message attributes, and with the function's
 * filter as the subscription's filter policy.
 */
export interface DesiredSubscription {
  readonly function: string
  readonly topic: DesiredTopic
  /** The physical name of the subscription's queue. */
  readonly queue: string
  /** The subscription's attributes, as Subscribe and SetSubscriptionAttributes take them. */
  readonly attributes: Readonly<Record<string, string>>
}

export interface DesiredRoute {
  /** `GET /orders/{id}` */
  readonly key: string
  readonly function: string
}

/** How the app is exposed over HTTP on AWS, from `aws` in xfn.config.ts. */
export interface DeployOptions {
  /**
   * `http` (an HTTP API) or `rest` (a REST API, with API keys and a usage plan). By default an app
   * with `auth: 'key'` routes gets a REST API, and any other an HTTP API.
   */
  readonly api?: 'http' | 'rest' | undefined
  /** REST only: the throttling and quota of the app's key. */
  readonly usagePlan?: UsagePlan | undefined
  /** The app's settings for this stage (`env` of xfn.config.ts), every function's environment. */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** The VPC every function runs in (`aws.vpc`). */
  readonly vpc?: Vpc | undefined
  /** Where the code comes from (the git commit, and whether its tree had changes), and how many releases to keep. */
  readonly release?:
    | { readonly commit?: string; readonly dirty?: boolean; readonly keep?: number }
    | undefined
}

export interface Vpc {
  readonly subnetIds: readonly string[]
  readonly securityGroupIds: readonly string[]
}

export interface UsagePlan {
  /** Steady requests per second; default 100. */
  readonly rateLimit?: number
  /** Requests in a burst; default 200. */
  readonly burstLimit?: number
  readonly quota?: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH' }
}

/** Everything the app should be on AWS, derived from the build alone. */
export interface Desired {
  readonly target: AwsTarget
  readonly layout: AwsLayout
  readonly tags: Record<string, string>
  readonly zip: Uint8Array
  /** As Lambda reports `CodeSha256`: base64 of the zip's SHA-256. */
  readonly codeSha256: string
  readonly functions: readonly DesiredFunction[]
  readonly queues: readonly DesiredQueue[]
  readonly buckets: readonly { readonly logical: string; readonly name: string }[]
  readonly topics: readonly DesiredTopic[]
  readonly subscriptions: readonly DesiredSubscription[]
  readonly routes: readonly DesiredRoute[]
  readonly schedules: readonly {
    readonly function: string
    readonly rule: string
    readonly expression: string
  }[]
  /** The secrets the app reads: each must have a value (`xfn secret set`) before a deploy. */
  readonly secrets: readonly string[]
  /** The app's settings, in every function's environment under xfn's own. */
  readonly settings: Readonly<Record<string, string>>
  /** The VPC every function runs in, its ids sorted; undefined outside any. */
  readonly vpc: Vpc | undefined
  /** Whether any route has `auth: 'key'`, so the app needs a key. */
  readonly needsKey: boolean
  /** Which API Gateway serves the routes. */
  readonly api: 'http' | 'rest'
  readonly usagePlan: Required<Pick<UsagePlan, 'rateLimit' | 'burstLimit'>> & Pick<UsagePlan, 'quota'>
  /** What the deploy records as a release once its versions are published. */
  readonly release: {
    readonly sha256: string
    readonly settingsDigest: string
    readonly shape: ReleaseShape
    readonly commit: string | undefined
    readonly dirty: boolean | undefined
    readonly keep: number
  }
}

const fourteenDays = String(14 * 24 * 3600)

export function desiredState(build: AwsBuild, target: AwsTarget, options: DeployOptions = {}): Desired {
  const { manifest } = build
  const layout = awsLayout(target)
  const needsKey = manifest.functions.some((fn) => fn.trigger.type === 'http' && fn.trigger.auth === 'key')
  const specs = new Map(manifest.queues.map((q) => [q.name, q]))
  const queueName = (logical: string) => layout.queue(logical, specs.get(logical)?.fifo ?? false)
  const consumerTimeout = (queue: string) =>
    Math.max(
      0,
      ...manifest.functions.map((fn) =>
        fn.trigger.type === 'queue' && fn.trigger.queue === queue ? fn.timeoutSeconds : 0,
      ),
    )

  const queue = (
    spec: { name: string; fifo: boolean; maxAttempts: number; visibilityTimeoutSeconds: number },
    names: { name: string; deadLetter: string },
    consumerTimeoutSeconds: number,
  ): DesiredQueue => {
    const fifo: Record<string, string> = spec.fifo
      ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' }
      : {}
    return {
      logical: spec.name,
      ...names,
      fifo: spec.fifo,
      attributes: {
        ...fifo,
        // At least 6 times the consumer's timeout, as AWS advises, so a slow message is not redelivered mid-run.
        VisibilityTimeout: String(
          Math.min(43200, Math.max(spec.visibilityTimeoutSeconds, 6 * consumerTimeoutSeconds)),
        ),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: layout.queueArn(names.deadLetter),
          maxReceiveCount: spec.maxAttempts,
        }),
      },
      deadLetterAttributes: { ...fifo, MessageRetentionPeriod: fourteenDays },
    }
  }
  const queues = manifest.queues.map((spec) =>
    queue(
      spec,
      { name: queueName(spec.name), deadLetter: layout.deadLetterQueue(spec.name, spec.fifo) },
      consumerTimeout(spec.name),
    ),
  )

  const topics = (manifest.topics ?? []).map((spec): DesiredTopic => {
    const name = layout.topic(spec.name)
    return { logical: spec.name, name, arn: layout.topicArn(name) }
  })
  const topicNamed = (logical: string) => {
    const found = topics.find((t) => t.logical === logical)
    if (!found) throw new Error(`topic '${logical}' is missing from the manifest's topics`)
    return found
  }
  const subscriptions = manifest.functions.flatMap((fn): DesiredSubscription[] => {
    const { trigger } = fn
    if (trigger.type !== 'topic') return []
    const topic = topicNamed(trigger.topic)
    const name = layout.subscriptionQueue(trigger.topic, fn.name)
    const deadLetter = `${name}-dlq`
    // Only the topic may send to the queue and to its dead-letter queue (SNS dead-letters there
    // what it cannot deliver).
    const policy = (queueArn: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'xfn-topic',
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: queueArn,
            Condition: { ArnEquals: { 'aws:SourceArn': topic.arn } },
          },
        ],
      })
    const made = queue(
      { ...trigger, name: `${trigger.topic}.${fn.name}`, fifo: false },
      { name, deadLetter },
      fn.timeoutSeconds,
    )
    queues.push({
      ...made,
      attributes: { ...made.attributes, Policy: policy(layout.queueArn(name)) },
      deadLetterAttributes: { ...made.deadLetterAttributes, Policy: policy(layout.queueArn(deadLetter)) },
    })
    return [
      {
        function: fn.name,
        topic,
        queue: name,
        attributes: subscriptionAttributes(trigger.filter, layout.queueArn(deadLetter)),
      },
    ]
  })

  const functions = manifest.functions.map((fn): DesiredFunction => {
    const used = (resource: 'queue' | 'bucket' | 'topic' | 'secret', physical: (logical: string) => string) =>
      Object.fromEntries(
        fn.uses.filter((g) => g.resource === resource).map((g) => [g.name, physical(g.name)]),
      )
    return {
      logical: fn,
      name: layout.function(fn.name),
      role: layout.role(fn.name),
      handler: build.handlers[fn.name] ?? `index.${fn.name}`,
      policy: functionPolicy(fn, layout, queueName, { vpc: options.vpc !== undefined }),
      queues: used('queue', queueName),
      buckets: used('bucket', layout.bucket),
      topics: used('topic', (logical) => topicNamed(logical).arn),
      secrets: used('secret', layout.secretParameter),
    }
  })

  const settings = options.env ?? {}
  checkEnvironmentSizes(functions, settings, target)
  // Lambda reports the zip's SHA-256 in base64; releases record it in hex, as every target does.
  const digest = createHash('sha256').update(build.zip).digest()
  return {
    target,
    layout,
    settings,
    vpc: options.vpc && {
      subnetIds: [...options.vpc.subnetIds].sort(),
      securityGroupIds: [...options.vpc.securityGroupIds].sort(),
    },
    secrets: (manifest.secrets ?? []).map((s) => s.name),
    tags: ownerTags(target),
    zip: build.zip,
    codeSha256: digest.toString('base64'),
    functions,
    queues,
    buckets: manifest.buckets.map((b) => ({ logical: b.name, name: layout.bucket(b.name) })),
    topics,
    subscriptions,
    routes: httpRoutes(manifest),
    schedules: manifest.functions.flatMap((fn) =>
      fn.trigger.type === 'timer'
        ? [
            {
              function: fn.name,
              rule: layout.rule(fn.name),
              expression: toAwsSchedule(parseSchedule(fn.trigger, `app.timer('${fn.name}')`), fn.name),
            },
          ]
        : [],
    ),
    needsKey,
    api: options.api ?? (needsKey ? 'rest' : 'http'),
    usagePlan: {
      rateLimit: options.usagePlan?.rateLimit ?? 100,
      burstLimit: options.usagePlan?.burstLimit ?? 200,
      ...(options.usagePlan?.quota ? { quota: options.usagePlan.quota } : {}),
    },
    release: {
      sha256: digest.toString('hex'),
      settingsDigest: settingsDigest(settings),
      shape: releaseShape(manifest),
      commit: options.release?.commit,
      dirty: options.release?.dirty,
      keep: options.release?.keep ?? defaultReleasesKept,
    },
  }
}

/**
 * A subscription's attributes: raw message delivery; the filter as a filter policy on the message
 * attributes (each attribute it tests, with the string values it accepts, which SNS matches
 * exactly); and SNS's own dead-letter queue for what it cannot deliver to the queue, the queue's.
 */
export function subscriptionAttributes(
  filter: Readonly<Record<string, readonly string[]>>,
  deadLetterArn: string,
): Record<string, string> {
  const tested = Object.keys(filter).sort()
  return {
    RawMessageDelivery: 'true',
    ...(tested.length > 0
      ? {
          FilterPolicyScope: 'MessageAttributes',
          FilterPolicy: JSON.stringify(Object.fromEntries(tested.map((name) => [name, filter[name]]))),
        }
      : {}),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn }),
  }
}

/**
 * The HTTP API's routes: each method and path of each function; `ANY` on each path, to the first
 * function serving it, so a method the path does not take reaches the app and gets its 405 with
 * Allow; and `$default`, so an unknown path gets the app's JSON 404, as on every cloud.
 */
function httpRoutes(manifest: Manifest): DesiredRoute[] {
  const routes: DesiredRoute[] = []
  const anyRoutes = new Map<string, string>()
  for (const fn of manifest.functions) {
    if (fn.trigger.type !== 'http') continue
    for (const path of apiRoutes(fn.trigger.route)) {
      for (const method of fn.trigger.methods) routes.push({ key: `${method} ${path}`, function: fn.name })
      if (!anyRoutes.has(path)) anyRoutes.set(path, fn.name)
    }
  }
  const [first] = routes
  if (!first) return routes
  for (const [path, fn] of anyRoutes) routes.push({ key: `ANY ${path}`, function: fn })
  routes.push({ key: '$default', function: first.function })
  return routes
}

/**
 * API Gateway route paths for an xfn route. A catch-all becomes a greedy `{name+}`, which does not
 * match the empty rest, so the path without it is routed too: `/files/{*path}` serves `/files`.
 */
export function apiRoutes(route: string): string[] {
  const greedy = /\/\{\*([A-Za-z0-9_]+)\}$/.exec(route)
  if (!greedy) return [route]
  const parent = route.slice(0, greedy.index) || '/'
  return [`${route.slice(0, greedy.index)}/{${greedy[1]}+}`, parent]
}

/**
 * Refuses, before anything changes, a function whose environment would pass Lambda's 4 KB: the
 * app's settings with xfn's own, queue URLs in the form SQS gives them.
 */
function checkEnvironmentSizes(
  functions: readonly DesiredFunction[],
  settings: Readonly<Record<string, string>>,
  { region, accountId }: AwsTarget,
) {
  const urls = new Map(
    functions.flatMap((fn) =>
      Object.values(fn.queues).map(
        (name) => [name, `https://sqs.${region}.amazonaws.com/${accountId}/${name}`] as const,
      ),
    ),
  )
  for (const fn of functions) {
    const bytes = environmentBytes(functionEnvironment(fn, urls, 'x'.repeat(64), settings))
    if (bytes > environmentLimitBytes)
      throw new XfnError(
        'INVALID_OPTIONS',
        `function '${fn.logical.name}' would have ${bytes} bytes of environment on AWS, over Lambda's ${environmentLimitBytes}: the app's settings (env in xfn.config.ts) take ${environmentBytes(settings)}, and xfn's own the rest (the queues, buckets and topics it uses). Make the settings smaller, or keep large values in a bucket.`,
      )
  }
}

/**
 * The environment of a deployed function: the app's settings, then xfn's own: source maps, the
 * queues, buckets and topics it may call
 * (XFN_RESOURCES, read by the runtime), and the key hash for `auth: 'key'` routes.
 */
export function functionEnvironment(
  fn: DesiredFunction,
  queueUrls: ReadonlyMap<string, string>,
  apiKey: string | undefined,
  settings: Readonly<Record<string, string>>,
): Record<string, string> {
  const environment: Record<string, string> = { ...settings, NODE_OPTIONS: '--enable-source-maps' }
  if (fn.logical.uses.length > 0) {
    const resources: AwsResources = {
      queues: Object.fromEntries(
        Object.entries(fn.queues).map(([logical, name]) => [logical, { url: queueUrls.get(name) ?? '' }]),
      ),
      buckets: Object.fromEntries(Object.entries(fn.buckets).map(([logical, name]) => [logical, { name }])),
      ...(Object.keys(fn.topics).length > 0
        ? {
            topics: Object.fromEntries(Object.entries(fn.topics).map(([logical, arn]) => [logical, { arn }])),
          }
        : {}),
      ...(Object.keys(fn.secrets).length > 0
        ? {
            secrets: Object.fromEntries(
              Object.entries(fn.secrets).map(([logical, parameter]) => [logical, { parameter }]),
            ),
          }
        : {}),
    }
    environment.XFN_RESOURCES = JSON.stringify(resources)
  }
  if (apiKey && fn.logical.trigger.type === 'http' && fn.logical.trigger.auth === 'key')
    environment[apiKeyHashSetting] = hashApiKey(apiKey)
  return environment
}
