import { XfnError } from './errors.js'
import type { ResourceGrant } from './grant-types.js'
import { validateName } from './names.js'
import { integerBetween, isBoolean, validateOptions } from './options.js'
import type { SecretSpec } from './secrets.js'
import { checkPublished, type PublishedMessage, type PublishOptions, type TopicSpec } from './topics.js'

export interface QueueOptions {
  /** Deliveries before a message is dead-lettered; 1 to 100, default 5. */
  readonly maxAttempts?: number
  /** How long a delivered message stays hidden from other consumers; 1 to 43200 s, default 30. */
  readonly visibilityTimeoutSeconds?: number
  /** First-in, first-out delivery (AWS and local only). */
  readonly fifo?: boolean
}

export interface QueueSpec {
  readonly name: string
  readonly maxAttempts: number
  readonly visibilityTimeoutSeconds: number
  readonly fifo: boolean
}

export interface BucketSpec {
  readonly name: string
}

export interface SendOptions {
  readonly delaySeconds?: number
}

/** An object read from a bucket. */
export interface StoredObject {
  readonly key: string
  readonly body: Uint8Array
  readonly contentType: string | undefined
  text(): string
}

export interface ObjectInfo {
  readonly key: string
  readonly size: number
  readonly etag: string
  readonly lastModified: Date
}

/**
 * What each cloud's runtime supplies to make `send()`, `put()` and friends work. Messages arrive
 * already encoded, so every cloud carries the same text.
 */
export interface ResourceProvider {
  sendMessages(queue: QueueSpec, messages: readonly { body: string; delaySeconds?: number }[]): Promise<void>
  putObject(bucket: BucketSpec, key: string, body: Uint8Array, contentType: string | undefined): Promise<void>
  getObject(
    bucket: BucketSpec,
    key: string,
  ): Promise<{ body: Uint8Array; contentType: string | undefined } | null>
  listObjects(bucket: BucketSpec, prefix: string): AsyncIterable<ObjectInfo>
  deleteObject(bucket: BucketSpec, key: string): Promise<void>
  signedUrl(
    bucket: BucketSpec,
    key: string,
    options: { expiresIn: number; method: 'GET' | 'PUT' },
  ): Promise<string>
  /** Publishes to a topic, every message checked against the portable limits; absent where a runtime has no topics. */
  publishMessages?(topic: TopicSpec, messages: readonly PublishedMessage[]): Promise<void>
  /** A secret's value from the cloud's store; undefined when it has none; absent where a runtime has no secrets. */
  getSecret?(secret: SecretSpec): Promise<string | undefined>
}

export interface Topic extends TopicSpec {
  readonly kind: 'topic'
  /** Publishes one message to every subscription whose filter it passes: strings as they are, anything else as JSON. */
  publish(value: unknown, options?: PublishOptions): Promise<void>
}

export interface Queue extends QueueSpec {
  readonly kind: 'queue'
  /** Sends one message: strings as they are, anything else as JSON. */
  send(value: unknown, options?: SendOptions): Promise<void>
  sendBatch(values: readonly unknown[]): Promise<void>
}

export interface Bucket extends BucketSpec {
  readonly kind: 'bucket'
  /** For `uses`: get, list and signed GET URLs, no changes. */
  readonly readOnly: ResourceGrant
  /** For `uses`: put, delete and signed PUT URLs, no reads. */
  readonly writeOnly: ResourceGrant
  put(key: string, body: string | Uint8Array, options?: { contentType?: string }): Promise<void>
  /** The object, or null when there is none under that key. */
  get(key: string): Promise<StoredObject | null>
  list(options?: { prefix?: string }): AsyncIterable<ObjectInfo>
  delete(key: string): Promise<void>
  signedUrl(key: string, options?: { expiresIn?: number; method?: 'GET' | 'PUT' }): Promise<string>
}

function queueOptionSpec() {
  return {
    checks: {
      maxAttempts: integerBetween(1, 100),
      visibilityTimeoutSeconds: integerBetween(1, 43200),
      fifo: isBoolean,
    },
  }
}

/**
 * The largest queue message each cloud takes, in bytes of the text sent: SQS 256 KiB; Azure
 * Storage Queues 64 KiB as stored, and messages are stored base64-encoded, so 48 KiB of text. The
 * local cloud takes the portable limit, the lowest, so an app that runs locally sends on both.
 */
export const queueMessageLimits = { aws: 256 * 1024, azure: 48 * 1024, local: 48 * 1024 } as const

/** Refuses, before sending, a message larger than the cloud takes, naming the limits. */
export function checkMessageSize(queue: string, body: string, cloud: keyof typeof queueMessageLimits): void {
  const bytes = Buffer.byteLength(body)
  if (bytes <= queueMessageLimits[cloud]) return
  throw new XfnError(
    'INVALID_OPTIONS',
    `queue('${queue}').send(): the message is ${bytes} bytes, over the limit of ${queueMessageLimits[cloud] / 1024} KiB on ${cloud} (Azure takes 48 KiB, 64 KiB once base64-encoded: the portable limit). Store the payload in a bucket and send its key.`,
  )
}

/** The encoding every cloud's queue carries: strings as they are, other values as JSON. */
export function encodeMessage(value: unknown, where: string): string {
  if (typeof value === 'string') return value
  if (value === undefined)
    throw new XfnError('INVALID_OPTIONS', `${where}: cannot send undefined; send a string or a JSON value.`)
  return JSON.stringify(value)
}

/**
 * The declared resources of one app, by kind and name, and the cloud's provider once a runtime
 * installs one. Plain data: the handles with `send()`, `put()` and friends are made by
 * `queueHandle` and `bucketHandle`, so an app that never calls `queue()` or `bucket()` bundles none
 * of their code.
 */
export class ResourceTable {
  readonly queues = new Map<string, QueueSpec>()
  readonly buckets = new Map<string, BucketSpec>()
  readonly topics = new Map<string, TopicSpec>()
  readonly secrets = new Map<string, SecretSpec>()
  provider: ResourceProvider | undefined
}

/**
 * Declares a queue, or returns the declaration already made under that name. Declaring it again
 * with different settings is an error.
 */
export function declareQueue(table: ResourceTable, name: string, options: QueueOptions = {}): QueueSpec {
  const where = `queue('${String(name)}')`
  if (process.env.XFN_PREVALIDATED !== 'true') {
    validateName('queue', name, where)
    validateOptions(where, options, queueOptionSpec())
  }
  const spec: QueueSpec = {
    name,
    maxAttempts: options.maxAttempts ?? 5,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    fifo: options.fifo ?? false,
  }
  const existing = table.queues.get(name)
  if (!existing) {
    table.queues.set(name, spec)
    return spec
  }
  const given = Object.keys(options) as (keyof QueueOptions)[]
  const differs = given.filter((key) => existing[key] !== spec[key])
  if (differs.length > 0) {
    throw new XfnError(
      'RESOURCE_CONFLICT',
      `${where} is declared twice with different ${differs.join(', ')}; declare it once and import it where it is used.`,
    )
  }
  return existing
}

/** Declares a bucket, or returns the declaration already made under that name. */
export function declareBucket(table: ResourceTable, name: string): BucketSpec {
  if (process.env.XFN_PREVALIDATED !== 'true') validateName('bucket', name, `bucket('${String(name)}')`)
  const existing = table.buckets.get(name)
  if (existing) return existing
  const spec: BucketSpec = { name }
  table.buckets.set(name, spec)
  return spec
}

/** Declares a topic, or returns the declaration already made under that name (a topic has no settings). */
export function declareTopic(table: ResourceTable, name: string): TopicSpec {
  if (process.env.XFN_PREVALIDATED !== 'true') validateName('topic', name, `topic('${String(name)}')`)
  const existing = table.topics.get(name)
  if (existing) return existing
  const spec: TopicSpec = { name }
  table.topics.set(name, spec)
  return spec
}

/** One handle per declaration, so `queue('a') === queue('a')`. */
const handles = new WeakMap<QueueSpec | BucketSpec | TopicSpec, Queue | Bucket | Topic>()

/** Declares a topic and returns its handle. */
export function topicHandle(table: ResourceTable, name: string): Topic {
  const spec = declareTopic(table, name)
  const cached = handles.get(spec)
  if (cached) return cached as Topic
  const where = `topic('${name}').publish()`
  const created: Topic = {
    kind: 'topic',
    ...spec,
    publish: async (value, options = {}) => {
      const given = options.attributes ?? {}
      if (typeof given !== 'object' || given === null || Array.isArray(given))
        throw new XfnError(
          'INVALID_OPTIONS',
          `${where}: 'attributes' must be an object of names and string values, such as { region: 'eu' }.`,
        )
      const message = { body: encodeMessage(value, where), attributes: { ...given } }
      checkPublished(name, message)
      const provider = providerOf(table, where)
      return publisherOf(provider, name)(spec, [message])
    },
  }
  handles.set(spec, created)
  return created
}

/** Declares a queue and returns its handle. */
export function queueHandle(table: ResourceTable, name: string, options?: QueueOptions): Queue {
  const spec = declareQueue(table, name, options)
  const cached = handles.get(spec)
  if (cached) return cached as Queue
  const where = `queue('${name}')`
  const created: Queue = {
    kind: 'queue',
    ...spec,
    send: async (value, sendOptions = {}) =>
      providerOf(table, `${where}.send()`).sendMessages(spec, [
        { body: encodeMessage(value, `${where}.send()`), ...sendOptions },
      ]),
    sendBatch: async (values) =>
      providerOf(table, `${where}.sendBatch()`).sendMessages(
        spec,
        values.map((value) => ({ body: encodeMessage(value, `${where}.sendBatch()`) })),
      ),
  }
  handles.set(spec, created)
  return created
}

/** Declares a bucket and returns its handle. */
export function bucketHandle(table: ResourceTable, name: string): Bucket {
  const spec = declareBucket(table, name)
  const cached = handles.get(spec)
  if (cached) return cached as Bucket
  const where = `bucket('${name}')`
  const created: Bucket = {
    kind: 'bucket',
    ...spec,
    readOnly: { kind: 'grant', resource: 'bucket', name, access: ['read'] },
    writeOnly: { kind: 'grant', resource: 'bucket', name, access: ['write'] },
    put: async (key, body, options = {}) =>
      providerOf(table, `${where}.put()`).putObject(
        spec,
        checkKey(key, where),
        typeof body === 'string' ? new TextEncoder().encode(body) : body,
        options.contentType ?? (typeof body === 'string' ? 'text/plain; charset=utf-8' : undefined),
      ),
    get: async (key) => {
      const found = await providerOf(table, `${where}.get()`).getObject(spec, checkKey(key, where))
      if (!found) return null
      return { key, ...found, text: () => new TextDecoder().decode(found.body) }
    },
    list: (options = {}) => providerOf(table, `${where}.list()`).listObjects(spec, options.prefix ?? ''),
    delete: async (key) => providerOf(table, `${where}.delete()`).deleteObject(spec, checkKey(key, where)),
    signedUrl: async (key, options = {}) =>
      providerOf(table, `${where}.signedUrl()`).signedUrl(spec, checkKey(key, where), {
        expiresIn: options.expiresIn ?? 900,
        method: options.method ?? 'GET',
      }),
  }
  handles.set(spec, created)
  return created
}

/** A provider's publishing, or an error that says this runtime (a target's own) has no topics. */
export function publisherOf(
  provider: ResourceProvider,
  topic: string,
): NonNullable<ResourceProvider['publishMessages']> {
  const publish = provider.publishMessages?.bind(provider)
  if (publish) return publish
  throw new XfnError(
    'NOT_PORTABLE',
    `topic('${topic}').publish(): the runtime this function runs in has no topics; run the app on the local cloud, AWS or Azure, where topics work.`,
  )
}

function providerOf(table: ResourceTable, where: string): ResourceProvider {
  if (table.provider) return table.provider
  throw new XfnError(
    'NO_RUNTIME',
    `${where} was called outside an xfn runtime, so there is no cloud to talk to. Call it from a handler deployed with xfn, or in tests use createTestHarness() from '@xfn/core/testing'.`,
  )
}

function checkKey(key: unknown, where: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024 || key.startsWith('/')) {
    throw new XfnError(
      'INVALID_OPTIONS',
      `${where}: object key ${JSON.stringify(key)} is not valid; use 1 to 1024 characters, not starting with '/'.`,
    )
  }
  return key
}
