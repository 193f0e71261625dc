import type { BlobTrigger } from '@xfn/core'
import { type BlobEvent, type Context, type FunctionDefinition, XfnError } from '@xfn/core'
import type { S3Event, S3Record } from './events.js'

/**
 * Runs the handler once per record. S3 invokes Lambda asynchronously: when a record fails, the
 * others still run, then the invocation fails, and Lambda retries the whole event twice more
 * before it goes to the function's on-failure destination. Handlers of blob events should
 * therefore be idempotent, as on every cloud.
 */
export async function handleS3(
  fn: FunctionDefinition<BlobTrigger>,
  event: S3Event,
  context: Context,
): Promise<void> {
  const failures: unknown[] = []
  for (const record of event.Records) {
    const type = blobEventType(record.eventName)
    if (type === undefined) {
      context.log.warn(
        `S3 event ${record.eventName} neither creates nor deletes an object; blob functions are not given it`,
        { key: decodeS3Key(record.s3.object.key) },
      )
      continue
    }
    const blob = toBlobEvent(record, type, fn.trigger.bucket)
    if (!fn.trigger.events.includes(blob.type)) continue
    try {
      await fn.handler(blob, context)
    } catch (error) {
      context.log.error('blob event failed; Lambda will retry the event', { key: blob.key, error })
      failures.push(error)
    }
  }
  if (failures.length > 0) {
    throw new XfnError(
      'CLOUD_ERROR',
      `function '${fn.name}': ${failures.length} of ${event.Records.length} blob events failed.`,
      {
        cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
      },
    )
  }
}

/** A key as S3 writes it in an event: form-encoded, so a space is `+` (the inverse of decodeS3Key). */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replaceAll('%20', '+').replaceAll('%2F', '/')
}

/** S3 sends keys form-encoded: `+` is a space and the rest is percent-encoded. */
export function decodeS3Key(key: string): string {
  const spaced = key.replace(/\+/g, ' ')
  try {
    return decodeURIComponent(spaced)
  } catch {
    return spaced
  }
}

/**
 * What an S3 event means in the neutral model: an object written (`ObjectCreated:*`) is created;
 * one removed, by a call or by a lifecycle rule (`ObjectRemoved:*`, `LifecycleExpiration:*`), is
 * deleted. The rest (restores, replication, transitions, tiering, tags, ACLs) leave the object
 * where it was and are no blob event; undefined for them.
 */
export function blobEventType(eventName: string): BlobEvent['type'] | undefined {
  const kind = eventName.replace(/^s3:/, '').split(':')[0]
  if (kind === 'ObjectCreated') return 'created'
  if (kind === 'ObjectRemoved' || kind === 'LifecycleExpiration') return 'deleted'
  return undefined
}

function toBlobEvent(record: S3Record, type: BlobEvent['type'], bucket: string): BlobEvent<S3Record> {
  return {
    type,
    bucket,
    key: decodeS3Key(record.s3.object.key),
    size: record.s3.object.size ?? 0,
    etag: record.s3.object.eTag ?? '',
    time: new Date(record.eventTime),
    native: record,
  }
}

export function isS3Event(event: unknown): event is S3Event {
  const records = (event as { Records?: unknown } | null)?.Records
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:s3')
  )
}
