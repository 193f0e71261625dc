import type { IncomingHttpHeaders } from 'node:http'
import { decodeS3Key, handleS3 } from '@xfn/aws/runtime'
import {
  type BlobTrigger,
  type Context,
  type FunctionDefinition,
  matchesFilter,
  parseSchedule,
  previousFireTime,
  type QueueTrigger,
  type TimerTrigger,
  type TopicTrigger,
  textMessage,
  timerTick,
  topicMessage,
} from '@xfn/core'
import { CloudEvent, HTTP } from 'cloudevents'
import { pingType, queueMessageType, s3TypePrefix, topicMessageType } from './paths.js'

const textData = 'text/plain; charset=utf-8'

/*
 * The CloudEvents xfn's functions take and send on Knative, made and read by the CNCF CloudEvents
 * SDK, in binary or structured mode alike:
 *
 * - a queue message: type `dev.xfn.queue.message`, extension `xfnqueue` (the queue), the message's
 *   text as `text/plain; charset=utf-8` data, byte for byte;
 * - a topic message: type `dev.xfn.topic.message`, extensions `xfntopic` and `xfnattributes` (the
 *   message's attributes as a JSON object in base64url, since header values are ASCII), the text as data;
 * - a tick: what a PingSource sends, type `dev.knative.sources.ping`, its data the PingSource's;
 * - a blob event: an S3 event record as the CloudEvents AWS S3 adapter maps it (type
 *   `com.amazonaws.s3.<eventName>`, subject the key, the record as data), with extension
 *   `xfnbucket` (the app's name of the bucket) for the Trigger's filter.
 */

/**
 * The CloudEvent of a request, by the SDK. Data in JSON or text is given to it as text: the SDK
 * parses JSON only from a string, and text is kept byte for byte as UTF-8 either way.
 */
export function eventOf(headers: IncomingHttpHeaders, body: Buffer): CloudEvent<unknown> {
  const type = String(headers['content-type'] ?? '')
  const textual = /json|^text\//.test(type)
  const event = HTTP.toEvent({ headers, body: textual ? body.toString('utf8') : body })
  if (Array.isArray(event)) throw new Error('a batch of CloudEvents, where one was expected')
  return event as CloudEvent<unknown>
}

/** A CloudEvent as an HTTP request's headers and body, in binary mode, as a broker takes it. */
export function binaryRequest(event: CloudEvent<unknown>): {
  headers: Record<string, string>
  body: string | Uint8Array
} {
  const message = HTTP.binary(event)
  return { headers: message.headers as Record<string, string>, body: message.body as string | Uint8Array }
}

/** A queue or topic message as the CloudEvent a function sends to the broker. */
export function messageCloudEvent(
  app: string,
  to:
    | { readonly queue: string }
    | { readonly topic: string; readonly attributes: Readonly<Record<string, string>> },
  body: string,
): CloudEvent<string> {
  return 'queue' in to
    ? new CloudEvent({
        type: queueMessageType,
        source: `/xfn/${app}/queues/${to.queue}`,
        datacontenttype: textData,
        data: body,
        xfnqueue: to.queue,
      })
    : new CloudEvent({
        type: topicMessageType,
        source: `/xfn/${app}/topics/${to.topic}`,
        datacontenttype: textData,
        data: body,
        xfntopic: to.topic,
        xfnattributes: Buffer.from(JSON.stringify(to.attributes)).toString('base64url'),
      })
}

/** One record of an S3 event notification, as S3 and the stores that speak its API write it. */
export interface S3EventRecord {
  readonly eventVersion: string
  readonly eventSource: string
  readonly awsRegion: string
  readonly eventTime: string
  readonly eventName: string
  readonly responseElements?: Readonly<Record<string, string>>
  readonly s3: {
    readonly bucket: { readonly name: string }
    readonly object: {
      readonly key: string
      readonly size?: number
      readonly eTag?: string
      readonly sequencer?: string
    }
  }
}

/** An S3 event record as a CloudEvent, by the CloudEvents AWS S3 adapter's mapping, for the bucket `bucket` of the app. */
export function blobCloudEvent(record: S3EventRecord, bucket: string): CloudEvent<S3EventRecord> {
  const ids = record.responseElements ?? {}
  return new CloudEvent({
    id: `${ids['x-amz-request-id'] ?? crypto.randomUUID()}.${ids['x-amz-id-2'] ?? ''}`,
    type: `${s3TypePrefix}${record.eventName}`,
    source: `${record.eventSource}.${record.awsRegion}.${record.s3.bucket.name}`,
    subject: record.s3.object.key,
    time: record.eventTime,
    datacontenttype: 'application/json',
    data: record,
    xfnbucket: bucket,
  })
}

export type EventOutcome =
  | { readonly ok: true; readonly id: string }
  /** `retry`: whether another attempt could succeed (a handler's failure), or never (a malformed event). */
  | { readonly ok: false; readonly id: string; readonly retry: boolean; readonly error: string }

/**
 * How many times this process has been given each event, by function and id. Knative's delivery carries no
 * attempt count, so a message's `attempt` counts the deliveries this replica saw: exact while one
 * replica consumes (scale to zero then one, the usual case), a lower bound beyond.
 */
const deliveries = new Map<string, number>()
const deliveriesKept = 10_000

function attemptOf(id: string): number {
  const attempt = (deliveries.get(id) ?? 0) + 1
  deliveries.delete(id)
  deliveries.set(id, attempt)
  if (deliveries.size > deliveriesKept) deliveries.delete(deliveries.keys().next().value as string)
  return attempt
}

/** Runs a function for one delivered CloudEvent. */
export async function consumeEvent(
  fn: FunctionDefinition,
  headers: IncomingHttpHeaders,
  body: Buffer,
  context: (invocationId: string) => Context,
): Promise<EventOutcome> {
  let event: CloudEvent<unknown>
  try {
    event = eventOf(headers, body)
  } catch (error) {
    return { ok: false, id: '', retry: false, error: `not a CloudEvent: ${(error as Error).message}` }
  }
  const refuse = (error: string): EventOutcome => ({ ok: false, id: event.id, retry: false, error })
  const ctx = context(event.id)
  const run = async (call: () => unknown): Promise<EventOutcome> => {
    try {
      await call()
      return { ok: true, id: event.id }
    } catch (error) {
      // The logger keeps an error's name, message and stack.
      ctx.log.error('invocation failed', { error })
      return {
        ok: false,
        id: event.id,
        retry: true,
        error: error instanceof Error ? error.message : String(error),
      }
    }
  }
  const trigger = fn.trigger
  const text = () =>
    typeof event.data === 'string' ? event.data : Buffer.from(event.data as Uint8Array).toString('utf8')
  switch (trigger.type) {
    case 'queue': {
      if (event.type !== queueMessageType || event.xfnqueue !== trigger.queue)
        return refuse(
          `function '${fn.name}' takes messages of queue '${trigger.queue}', not a ${event.type} event`,
        )
      const message = textMessage({
        id: event.id,
        body: text(),
        attempt: attemptOf(`${fn.name} ${event.id}`),
        enqueuedAt: new Date(event.time ?? Date.now()),
        native: event,
      })
      return run(() => (fn as FunctionDefinition<QueueTrigger>).handler(message, ctx))
    }
    case 'topic': {
      if (event.type !== topicMessageType || event.xfntopic !== trigger.topic)
        return refuse(
          `function '${fn.name}' takes messages of topic '${trigger.topic}', not a ${event.type} event`,
        )
      const attributes = JSON.parse(
        Buffer.from(String(event.xfnattributes ?? ''), 'base64url').toString('utf8') || '{}',
      ) as Record<string, string>
      // The subscription's filter: a message it does not pass is taken and not given to the handler.
      if (!matchesFilter(trigger.filter, attributes)) return { ok: true, id: event.id }
      const message = topicMessage({
        id: event.id,
        body: text(),
        attempt: attemptOf(`${fn.name} ${event.id}`),
        publishedAt: new Date(event.time ?? Date.now()),
        attributes,
        topic: trigger.topic,
        native: event,
      })
      return run(() => (fn as FunctionDefinition<TopicTrigger>).handler(message, ctx))
    }
    case 'timer': {
      if (event.type !== pingType)
        return refuse(`function '${fn.name}' takes PingSource ticks, not a ${event.type} event`)
      // A PingSource's event carries no scheduled time (its `time`, when set, is when it was sent,
      // up to half a second late by design): the tick is the schedule's last instant until now.
      const firedAt = new Date()
      const schedule = parseSchedule((fn as FunctionDefinition<TimerTrigger>).trigger.schedule, fn.name)
      const tick = timerTick(previousFireTime(schedule, firedAt) ?? firedAt, firedAt, event)
      return run(() => (fn as FunctionDefinition<TimerTrigger>).handler(tick, ctx))
    }
    case 'blob': {
      if (!event.type.startsWith(s3TypePrefix) || typeof event.data !== 'object' || event.data === null)
        return refuse(
          `function '${fn.name}' takes S3 event records as CloudEvents, not a ${event.type} event`,
        )
      const record = event.data as S3EventRecord
      if (!blobMatches(trigger, record)) return { ok: true, id: event.id }
      return run(() =>
        handleS3(
          fn as FunctionDefinition<BlobTrigger>,
          { Records: [record] } as Parameters<typeof handleS3>[1],
          ctx,
        ),
      )
    }
    default:
      return refuse(`function '${fn.name}' is triggered by ${trigger.type}, which takes no events`)
  }
}

/** Whether an object's key is under the trigger's prefix and ends with its suffix. */
function blobMatches(trigger: BlobTrigger, record: S3EventRecord): boolean {
  const key = decodeS3Key(record.s3.object.key)
  return key.startsWith(trigger.prefix) && key.endsWith(trigger.suffix)
}

/**
 * A dead-lettered event: the log line (its id, its data as text, the message byte for byte in
 * UTF-8, and the reason Knative's dispatcher adds as extensions: `knativeerrorcode`,
 * `knativeerrordest`, and `knativeerrordata`, the subscriber's answer in base64), and the record
 * kept in the store under `<function>/<time>-<id>.json`, with the event's attributes beside.
 */
export function deadLetterRecord(functionName: string, headers: IncomingHttpHeaders, body: Buffer) {
  let one: CloudEvent<unknown> | undefined
  try {
    one = eventOf(headers, body)
  } catch {
    one = undefined
  }
  const data = one?.data
  const text =
    typeof data === 'string'
      ? data
      : data instanceof Uint8Array
        ? Buffer.from(data).toString('utf8')
        : JSON.stringify(data ?? body.toString('utf8'))
  const reason = one?.knativeerrordata
    ? Buffer.from(String(one.knativeerrordata), 'base64').toString('utf8')
    : undefined
  const time = new Date().toISOString()
  const id = one?.id ?? crypto.randomUUID()
  const fields = {
    body: text,
    ...(reason ? { reason } : {}),
    ...(one?.knativeerrordest ? { destination: String(one.knativeerrordest) } : {}),
  }
  const {
    data: _data,
    data_base64: _base64,
    ...attributes
  } = (one?.toJSON() ?? {}) as Record<string, unknown>
  return {
    line: {
      level: 'error' as const,
      function: functionName,
      invocationId: id,
      message: `message dead-lettered after ${one?.knativeerrorcode ? `answer ${one.knativeerrorcode}` : 'its last attempt'}`,
      fields,
    },
    key: `${functionName}/${time}-${id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`,
    kept: { function: functionName, deadLetteredAt: time, ...fields, attributes },
  }
}
