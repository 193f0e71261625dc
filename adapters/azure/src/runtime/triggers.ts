import type { InvocationContext, Timer } from '@azure/functions'
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
 * One queue message. The host decodes the base64 the portable queue client writes and, when the
 * text is JSON, parses it; the text is that JSON again. A thrown error goes back to the host,
 * which retries the message and, after `maxDequeueCount` attempts, moves it to `<queue>-poison`.
 */
export async function handleQueue(
  fn: FunctionDefinition<QueueTrigger>,
  item: unknown,
  invocation: InvocationContext,
  context: Context,
): Promise<void> {
  const metadata = invocation.triggerMetadata ?? {}
  const message = textMessage({
    id: String(metadata.id ?? invocation.invocationId),
    body: typeof item === 'string' ? item : JSON.stringify(item),
    attempt: Number(metadata.dequeueCount ?? 1),
    enqueuedAt: new Date(String(metadata.insertionTime ?? Date.now())),
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

interface BlobProperties {
  readonly length?: number
  readonly eTag?: string
  readonly lastModified?: string
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
  const path = String(metadata.blobTrigger ?? '')
  const properties = (metadata.properties ?? {}) as BlobProperties
  const event: BlobEvent = {
    type: 'created',
    bucket: fn.trigger.bucket,
    key: path.slice(path.indexOf('/') + 1),
    size: Number(properties.length ?? (content as { length?: number } | null)?.length ?? 0),
    etag: String(properties.eTag ?? ''),
    time: new Date(properties.lastModified ?? properties.created ?? Date.now()),
    native: { triggerMetadata: metadata },
  }
  await fn.handler(event, context)
}
