import type { EventGridEvent, InvocationContext, Timer } from '@azure/functions'
import {
  type BlobEvent,
  type BlobTrigger,
  type Context,
  type FunctionDefinition,
  parseSchedule,
  previousFireTime,
  type QueueTrigger,
  type TimerTrigger,
  textMessage,
} from '@xfn/core'

/**
 * Trigger options that make the host send the payload as bytes (`dataType: 'binary'`): a string
 * payload would be run through `JSON.parse` by the library, changing numbers, quotes and spacing.
 */
export const bytesPayload: { readonly dataType: 'binary' } = { dataType: 'binary' }

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * The text of a payload sent as bytes. Bytes that are not UTF-8 cannot become the text the
 * portable model gives, so they fail the invocation: the host retries it and then moves the
 * message to its poison queue, unchanged.
 */
function payloadText(payload: unknown, what: string): string {
  if (typeof payload === 'string') return payload
  if (!(payload instanceof Uint8Array))
    throw new TypeError(
      `the ${what} arrived as ${typeof payload}, not bytes; the trigger must ask for dataType 'binary'`,
    )
  try {
    return utf8.decode(payload)
  } catch {
    throw new TypeError(`the ${what} is not UTF-8 text; it is left for the host's retries and poison queue`)
  }
}

/** A trigger metadata value that the library may have parsed as JSON: its text again. */
function metadataText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * One queue message, byte for byte as it was sent: the host decodes the base64 the portable queue
 * client writes and sends the bytes. A thrown error goes back to the host, which retries the
 * message and, after `maxDequeueCount` attempts, moves it to `<queue>-poison`.
 */
export async function handleQueue(
  fn: FunctionDefinition<QueueTrigger>,
  item: unknown,
  invocation: InvocationContext,
  context: Context,
): Promise<void> {
  const metadata = invocation.triggerMetadata ?? {}
  const message = textMessage({
    id: metadataText(metadata.id) ?? invocation.invocationId,
    body: payloadText(item, `message of queue '${fn.trigger.queue}'`),
    attempt: Number(metadata.dequeueCount ?? 1),
    enqueuedAt: new Date(metadataText(metadata.insertionTime) ?? Date.now()),
    native: { item, triggerMetadata: metadata },
  })
  await fn.handler(message, context)
}

/** One timer firing: its scheduled time is the schedule's latest instant at or before now. */
export async function handleTimer(
  fn: FunctionDefinition<TimerTrigger>,
  timer: Timer,
  context: Context,
): Promise<void> {
  const firedAt = new Date()
  const scheduledAt = previousFireTime(parseSchedule(fn.trigger.schedule, fn.name), firedAt) ?? firedAt
  await fn.handler({ scheduledAt, firedAt, isPastDue: timer.isPastDue, native: timer }, context)
}

/**
 * The blob's properties in the trigger metadata: `Azure.Storage.Blobs.Models.BlobProperties` of
 * storage extension v5 (extension bundle v4), camel-cased by the library; `length` and `created`
 * are the names of extension v4 and older. `eTag` arrives as `{}` from extension v5 (its type has
 * no public property), so only a string is used.
 */
interface BlobProperties {
  readonly contentLength?: number
  readonly length?: number
  readonly eTag?: unknown
  readonly lastModified?: string
  readonly createdOn?: string
  readonly created?: string
}

/**
 * One blob written (the Azure blob trigger fires on creation and update only). The key is the
 * blob's name within its container, as on the other clouds.
 */
export async function handleBlob(
  fn: FunctionDefinition<BlobTrigger>,
  content: unknown,
  invocation: InvocationContext,
  context: Context,
): Promise<void> {
  const metadata = invocation.triggerMetadata ?? {}
  const path = metadataText(metadata.blobTrigger) ?? ''
  const properties = (metadata.properties ?? {}) as BlobProperties
  const event: BlobEvent = {
    type: 'created',
    bucket: fn.trigger.bucket,
    key: path.slice(path.indexOf('/') + 1),
    size: Number(
      properties.contentLength ?? properties.length ?? (content instanceof Uint8Array ? content.length : 0),
    ),
    etag: typeof properties.eTag === 'string' ? properties.eTag : '',
    time: new Date(properties.lastModified ?? properties.createdOn ?? properties.created ?? Date.now()),
    native: { triggerMetadata: metadata },
  }
  await fn.handler(event, context)
}

const blobSubject = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/

/**
 * One blob deleted, from the storage account's `Microsoft.Storage.BlobDeleted` event. The event
 * subscription filters by container, prefix and suffix; an event for another blob (a subscription
 * widened by hand) is logged and skipped rather than handed over as this function's. A thrown
 * error fails the delivery, which Event Grid retries and then dead-letters.
 */
export async function handleBlobDeleted(
  fn: FunctionDefinition<BlobTrigger>,
  event: EventGridEvent,
  context: Context,
): Promise<void> {
  const [, container, key = ''] = blobSubject.exec(event.subject ?? '') ?? []
  const { bucket, prefix, suffix } = fn.trigger
  if (
    event.eventType !== 'Microsoft.Storage.BlobDeleted' ||
    container !== bucket ||
    !key.startsWith(prefix) ||
    !key.endsWith(suffix)
  ) {
    context.log.warn('skipped an event this function does not listen to', {
      eventType: event.eventType,
      subject: event.subject,
    })
    return
  }
  await fn.handler(
    { type: 'deleted', bucket, key, size: 0, etag: '', time: new Date(event.eventTime), native: event },
    context,
  )
}
