import type { QueueTrigger, TopicTrigger } from '@xfn/core'
import { type Context, type FunctionDefinition, textMessage, topicMessage } from '@xfn/core'
import type { SqsBatchResponse, SqsEvent, SqsRecord } from './events.js'

/** How many messages of one batch run at once on a standard queue. */
export const sqsConcurrency = 10

/**
 * Runs the handler once per message (of a queue, or of a topic subscription's queue) and reports exactly the failed ones, for
 * `ReportBatchItemFailures`: SQS deletes the rest and redelivers these, until `maxReceiveCount`
 * sends them to the dead-letter queue. On a FIFO queue messages run in order, and the first
 * failure stops the batch: it and every message after it are reported, so order is kept.
 */
export async function handleSqs(
  fn: FunctionDefinition<QueueTrigger> | FunctionDefinition<TopicTrigger>,
  event: SqsEvent,
  context: Context,
): Promise<SqsBatchResponse> {
  const records = event.Records
  const failed: string[] = []
  // The message a record becomes, chosen once per batch: a queue's, or a topic subscription's.
  const { trigger } = fn
  const handle = (
    trigger.type === 'topic'
      ? (record: SqsRecord) =>
          (fn as FunctionDefinition<TopicTrigger>).handler(toTopicMessage(record, trigger.topic), context)
      : (record: SqsRecord) => (fn as FunctionDefinition<QueueTrigger>).handler(toMessage(record), context)
  ) as (record: SqsRecord) => Promise<void> | void
  const run = async (record: SqsRecord) => {
    try {
      await handle(record)
      return true
    } catch (error) {
      context.log.error('message failed; it will be retried', { messageId: record.messageId, error })
      return false
    }
  }
  if (records[0]?.eventSourceARN?.endsWith('.fifo')) {
    for (let i = 0; i < records.length; i++) {
      if (!(await run(records[i] as SqsRecord))) {
        for (const rest of records.slice(i)) failed.push(rest.messageId)
        break
      }
    }
  } else {
    let next = 0
    const worker = async () => {
      while (next < records.length) {
        const record = records[next++] as SqsRecord
        if (!(await run(record))) failed.push(record.messageId)
      }
    }
    await Promise.all(Array.from({ length: Math.min(sqsConcurrency, records.length) }, worker))
  }
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) }
}

function toMessage(record: SqsRecord) {
  return textMessage({
    id: record.messageId,
    body: record.body,
    attempt: Number(record.attributes?.ApproximateReceiveCount ?? 1),
    enqueuedAt: new Date(Number(record.attributes?.SentTimestamp ?? Date.now())),
    native: record,
  })
}

/**
 * A topic subscription's queue receives, through raw message delivery, the published text as its
 * body and the attributes as String message attributes; the SQS message's send time is when SNS
 * delivered it, moments after the publish.
 */
function toTopicMessage(record: SqsRecord, topic: string) {
  const attributes: Record<string, string> = {}
  for (const [name, value] of Object.entries(record.messageAttributes ?? {}))
    if (value?.stringValue !== undefined) attributes[name] = value.stringValue
  return topicMessage({
    id: record.messageId,
    body: record.body,
    attempt: Number(record.attributes?.ApproximateReceiveCount ?? 1),
    publishedAt: new Date(Number(record.attributes?.SentTimestamp ?? Date.now())),
    attributes,
    topic,
    native: record,
  })
}

export function isSqsEvent(event: unknown): event is SqsEvent {
  const records = (event as { Records?: unknown } | null)?.Records
  return (
    Array.isArray(records) &&
    records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs')
  )
}
