import type { Context } from './context.js'
import type { Usable } from './grant-types.js'
import type { ParsedRoute } from './http/route.js'
import type { HttpAuth, HttpMethod, HttpRequest, HttpResult } from './http/types.js'
import type { ScheduleInput } from './schedule/index.js'

/** One queue message, whichever cloud delivered it. */
export interface QueueMessage<Native = unknown> {
  readonly id: string
  text(): string
  json<T = unknown>(): T
  /** 1 on the first delivery. */
  readonly attempt: number
  readonly enqueuedAt: Date
  /** The raw message of the cloud (an SQS record, Azure trigger metadata, a local record). */
  readonly native: Native
}

/** A message published to a topic, as one subscription gets it. */
export interface TopicMessage<Native = unknown> {
  readonly id: string
  text(): string
  json<T = unknown>(): T
  /** 1 on this subscription's first delivery. */
  readonly attempt: number
  readonly publishedAt: Date
  /** The attributes it was published with. */
  readonly attributes: Readonly<Record<string, string>>
  /** The topic it was published to. */
  readonly topic: string
  /** The raw message of the cloud. */
  readonly native: Native
}

/** One firing of a timer. */
export interface TimerTick<Native = unknown> {
  readonly scheduledAt: Date
  readonly firedAt: Date
  /** True when the platform fires late, after a missed schedule. */
  readonly isPastDue: boolean
  readonly native: Native
}

export const blobEventTypes = ['created', 'deleted'] as const
export type BlobEventType = (typeof blobEventTypes)[number]

/** A change to an object in a bucket; `key` is decoded (S3 sends `red+flower.jpg`, this says `red flower.jpg`). */
export interface BlobEvent<Native = unknown> {
  readonly type: BlobEventType
  readonly bucket: string
  readonly key: string
  readonly size: number
  readonly etag: string
  readonly time: Date
  readonly native: Native
}

type Awaitable<T> = T | Promise<T>
export type HttpHandler = (
  request: HttpRequest,
  context: Context,
) => Awaitable<Response | HttpResult | undefined>
export type QueueHandler = (message: QueueMessage, context: Context) => Awaitable<void>
export type TimerHandler = (tick: TimerTick, context: Context) => Awaitable<void>
export type BlobHandler = (event: BlobEvent, context: Context) => Awaitable<void>
export type TopicHandler = (message: TopicMessage, context: Context) => Awaitable<void>

export interface HttpTrigger {
  readonly type: 'http'
  readonly methods: readonly HttpMethod[]
  readonly route: ParsedRoute
  readonly auth: HttpAuth
}
export interface QueueTrigger {
  readonly type: 'queue'
  readonly queue: string
  readonly batchSize: number
}
export interface TimerTrigger {
  readonly type: 'timer'
  /** As the user wrote it: `schedule` or `every`; parseSchedule() gives the normalized form. */
  readonly schedule: ScheduleInput
}
export interface BlobTrigger {
  readonly type: 'blob'
  readonly bucket: string
  readonly prefix: string
  readonly suffix: string
  readonly events: readonly BlobEventType[]
}
/** A subscription to a topic: its own durable copy of every message its filter passes. */
export interface TopicTrigger {
  readonly type: 'topic'
  readonly topic: string
  /** Attribute names and the values each accepts; empty for every message. */
  readonly filter: Readonly<Record<string, readonly string[]>>
  /** Deliveries before a message is dead-lettered, for this subscription. */
  readonly maxAttempts: number
  readonly visibilityTimeoutSeconds: number
  readonly batchSize: number
}
export type Trigger = HttpTrigger | QueueTrigger | TimerTrigger | BlobTrigger | TopicTrigger
export type TriggerType = Trigger['type']

/** Settings every function takes, whatever its trigger. */
export interface FunctionSettings {
  /** 1 to 900 seconds; default 30. */
  readonly timeoutSeconds: number
  /** 128 to 4096 MB; default 256. */
  readonly memoryMb: number
}

type HandlerOf<T extends Trigger> = T extends HttpTrigger
  ? HttpHandler
  : T extends QueueTrigger
    ? QueueHandler
    : T extends TimerTrigger
      ? TimerHandler
      : T extends TopicTrigger
        ? TopicHandler
        : BlobHandler

/** The one shape every registration funnels into. */
export interface FunctionDefinition<T extends Trigger = Trigger> {
  readonly name: string
  readonly trigger: T
  readonly settings: FunctionSettings
  /** The queues and buckets the handler calls, as declared in `uses`; see grantsOf() for the full grants. */
  readonly uses: readonly Usable[]
  readonly handler: HandlerOf<T>
}
