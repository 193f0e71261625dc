import { readFileSync } from 'node:fs'
import { createApp, type QueueMessage, type TopicMessage } from '@xfn/core'
import { describe, expect, it } from 'vitest'
import { capture, lambdaContext } from './__fixtures__/events.js'
import type { S3Record } from './events.js'
import { decodeS3Key, lambdaHandler } from './index.js'

function sqsRecord(
  id: string,
  arn = 'arn:aws:sqs:eu-west-1:123456789012:app-dev-orders',
  receiveCount = '1',
) {
  return {
    messageId: id,
    receiptHandle: `handle-${id}`,
    body: JSON.stringify({ id }),
    attributes: { ApproximateReceiveCount: receiveCount, SentTimestamp: '1700000000000' },
    messageAttributes: {},
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: 'eu-west-1',
  }
}

function queueApp(fail: (message: QueueMessage) => boolean) {
  const made = createApp()
  const seen: QueueMessage[] = []
  made.app.queue('work', { queue: made.queue('orders') }, async (message) => {
    seen.push(message)
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3))
    if (fail(message)) throw new Error(`cannot process ${message.id}`)
  })
  const lines: string[] = []
  return {
    handler: lambdaHandler('work', { registry: made.registry, write: (line) => lines.push(line) }),
    seen,
    lines,
  }
}

describe('SQS', () => {
  it.each([
    'aws-lambda-go__sqs-event.json',
    'powertools__sqs-base.json',
    'powertools__sqs-sns-body.json',
    'powertools__snsSqsFifoEvent.json',
  ])('runs the handler once per record of %s', async (name) => {
    const event = capture<{
      Records: { messageId: string; body: string; attributes: { ApproximateReceiveCount: string } }[]
    }>(name)
    const { handler, seen } = queueApp(() => false)
    expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] })
    expect(seen.map((m) => m.id).sort()).toEqual(event.Records.map((r) => r.messageId).sort())
    for (const record of event.Records) {
      const message = seen.find((m) => m.id === record.messageId)
      expect(message?.text()).toBe(record.body)
      expect(message?.attempt).toBe(Number(record.attributes.ApproximateReceiveCount))
      expect(message?.native).toBe(record)
    }
  })

  it('reports exactly the failed messages of a standard queue', async () => {
    const { handler, lines } = queueApp((m) => m.id === 'b' || m.id === 'd')
    const event = { Records: ['a', 'b', 'c', 'd', 'e'].map((id) => sqsRecord(id)) }
    const result = (await handler(event, lambdaContext())) as {
      batchItemFailures: { itemIdentifier: string }[]
    }
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['b', 'd'])
    expect(lines.map((l) => JSON.parse(l).fields.messageId).sort()).toEqual(['b', 'd'])
  })

  it('reports every message when all fail', async () => {
    const { handler } = queueApp(() => true)
    const event = { Records: ['a', 'b', 'c'].map((id) => sqsRecord(id)) }
    const result = (await handler(event, lambdaContext())) as {
      batchItemFailures: { itemIdentifier: string }[]
    }
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a', 'b', 'c'])
  })

  it('answers an empty batch with no failures', async () => {
    const { handler, seen } = queueApp(() => true)
    expect(await handler({ Records: [] }, lambdaContext())).toEqual({ batchItemFailures: [] })
    expect(seen).toEqual([])
  })

  it('stops a FIFO batch at the first failure and reports it and every message after it, in order', async () => {
    const { handler, seen } = queueApp((m) => m.id === 'c')
    const arn = 'arn:aws:sqs:eu-west-1:123456789012:app-dev-orders.fifo'
    const event = { Records: ['a', 'b', 'c', 'd', 'e'].map((id) => sqsRecord(id, arn)) }
    const result = (await handler(event, lambdaContext())) as {
      batchItemFailures: { itemIdentifier: string }[]
    }
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['c', 'd', 'e'])
    expect(seen.map((m) => m.id)).toEqual(['a', 'b', 'c'])
  })

  it('runs a standard batch with bounded concurrency', async () => {
    const made = createApp()
    let running = 0
    let most = 0
    made.app.queue('work', { queue: 'orders' }, async () => {
      running++
      most = Math.max(most, running)
      await new Promise((resolve) => setTimeout(resolve, 5))
      running--
    })
    const handler = lambdaHandler('work', { registry: made.registry, write: () => undefined })
    await handler({ Records: Array.from({ length: 25 }, (_, i) => sqsRecord(`m${i}`)) }, lambdaContext())
    expect(most).toBe(10)
  })

  it('gives the attempt count and enqueue time of a record', async () => {
    const { handler, seen } = queueApp(() => false)
    await handler({ Records: [sqsRecord('x', undefined, '3')] }, lambdaContext())
    expect(seen[0]?.attempt).toBe(3)
    expect(seen[0]?.enqueuedAt.toISOString()).toBe('2023-11-14T22:13:20.000Z')
    expect(seen[0]?.json()).toEqual({ id: 'x' })
  })
})

describe('S3', () => {
  function blobApp(
    events: ('created' | 'deleted')[] = ['created', 'deleted'],
    fail = (_key: string) => false,
  ) {
    const made = createApp()
    const seen: { type: string; bucket: string; key: string; size: number; etag: string; time: string }[] = []
    made.app.blob('audit', { bucket: 'receipts', events }, async (event) => {
      seen.push({
        type: event.type,
        bucket: event.bucket,
        key: event.key,
        size: event.size,
        etag: event.etag,
        time: event.time.toISOString(),
      })
      if (fail(event.key)) throw new Error(`cannot audit ${event.key}`)
    })
    return { handler: lambdaHandler('audit', { registry: made.registry, write: () => undefined }), seen }
  }

  it.each(['aws-lambda-go__s3-event.json', 'powertools__s3-base.json', 'powertools__s3-decoded-key.json'])(
    'turns %s into blob events',
    async (name) => {
      const event = capture<{
        Records: { eventTime: string; s3: { object: { key: string; size: number; eTag: string } } }[]
      }>(name)
      const { handler, seen } = blobApp()
      await handler(event, lambdaContext())
      expect(seen).toEqual(
        event.Records.map((r) => ({
          type: 'created',
          bucket: 'receipts',
          key: decodeURIComponent(r.s3.object.key),
          size: r.s3.object.size,
          etag: r.s3.object.eTag,
          time: new Date(r.eventTime).toISOString(),
        })),
      )
      expect(seen[0]?.key).not.toContain('%')
    },
  )

  it.each([
    ['Happy%20Face.jpg', 'Happy Face.jpg'],
    ['red+flower.jpg', 'red flower.jpg'],
    ['r/2024%2B1.json', 'r/2024+1.json'],
    ['caf%C3%A9+menu%2F1.pdf', 'café menu/1.pdf'],
    ['%E6%97%A5%E6%9C%AC.txt', '日本.txt'],
  ])('decodes the key %s as %s', (raw, decoded) => {
    expect(decodeS3Key(raw)).toBe(decoded)
  })

  it('reports deletions, and skips the event types the function did not ask for', async () => {
    const record = capture<{ Records: S3Record[] }>('aws-lambda-go__s3-event.json').Records[0] as S3Record
    const removed = {
      ...record,
      eventName: 'ObjectRemoved:Delete',
      s3: { ...record.s3, object: { key: 'gone+file.txt', sequencer: '1' } },
    }
    const all = blobApp()
    await all.handler({ Records: [removed] }, lambdaContext())
    expect(all.seen).toEqual([
      expect.objectContaining({ type: 'deleted', key: 'gone file.txt', size: 0, etag: '' }),
    ])
    const createdOnly = blobApp(['created'])
    await createdOnly.handler({ Records: [removed] }, lambdaContext())
    expect(createdOnly.seen).toEqual([])
  })

  it.each([
    ['ObjectCreated:Copy', 'created'],
    ['ObjectCreated:CompleteMultipartUpload', 'created'],
    ['ObjectRemoved:DeleteMarkerCreated', 'deleted'],
    ['LifecycleExpiration:Delete', 'deleted'],
    ['LifecycleExpiration:DeleteMarkerCreated', 'deleted'],
    ['ObjectRestore:Completed', 'nothing'],
    ['ObjectRestore:Post', 'nothing'],
    ['Replication:OperationFailedReplication', 'nothing'],
    ['LifecycleTransition', 'nothing'],
    ['IntelligentTiering', 'nothing'],
    ['ObjectTagging:Put', 'nothing'],
  ])('gives a blob function S3 event %s as %s', async (eventName, type) => {
    const record = capture<{ Records: S3Record[] }>('aws-lambda-go__s3-event.json').Records[0] as S3Record
    const { handler, seen } = blobApp()
    await handler({ Records: [{ ...record, eventName }] }, lambdaContext())
    expect(seen.map((event) => event.type)).toEqual(type === 'nothing' ? [] : [type])
  })

  it('gives every S3 event type of the S3 service model as the blob event its family means, or none', async () => {
    // The list is the S3 model's: `Event` of PutBucketNotificationConfiguration. Records name the
    // type without the 's3:' prefix. A family that creates or removes the object is a blob event.
    const model = JSON.parse(
      readFileSync(new URL('../deploy/__fixtures__/service-models/inputs.json', import.meta.url), 'utf8'),
    ) as { services: { s3: { shapes: Record<string, { values?: string[] }> } } }
    const types = (model.services.s3.shapes['com.amazonaws.s3#Event']?.values ?? [])
      .filter((type) => !type.endsWith('*'))
      .map((type) => type.replace(/^s3:/, ''))
    expect(types.length).toBeGreaterThan(20)
    const record = capture<{ Records: S3Record[] }>('aws-lambda-go__s3-event.json').Records[0] as S3Record
    for (const eventName of types) {
      const { handler, seen } = blobApp()
      await handler({ Records: [{ ...record, eventName }] }, lambdaContext())
      const family = eventName.split(':')[0]
      const expected =
        family === 'ObjectCreated'
          ? ['created']
          : ['ObjectRemoved', 'LifecycleExpiration'].includes(family ?? '')
            ? ['deleted']
            : []
      expect(
        seen.map((event) => event.type),
        eventName,
      ).toEqual(expected)
    }
  })

  it('runs every record, then fails the invocation so Lambda retries it', async () => {
    const record = capture<{ Records: S3Record[] }>('aws-lambda-go__s3-event.json').Records[0] as S3Record
    const withKey = (key: string) => ({
      ...record,
      s3: { ...record.s3, object: { ...record.s3.object, key } },
    })
    const { handler, seen } = blobApp(['created'], (key) => key === 'bad')
    await expect(handler({ Records: [withKey('bad'), withKey('good')] }, lambdaContext())).rejects.toThrow(
      '1 of 2 blob events failed',
    )
    expect(seen.map((s) => s.key)).toEqual(['bad', 'good'])
  })
})

describe('timers', () => {
  function timerApp() {
    const made = createApp()
    const ticks: { scheduledAt: string; isPastDue: boolean }[] = []
    made.app.timer('nightly', { schedule: '0 2 * * *' }, (tick) => {
      ticks.push({ scheduledAt: tick.scheduledAt.toISOString(), isPastDue: tick.isPastDue })
    })
    return { handler: lambdaHandler('nightly', { registry: made.registry, write: () => undefined }), ticks }
  }

  it('reads the scheduled time of an EventBridge rule event', async () => {
    const { handler, ticks } = timerApp()
    await handler(capture('powertools__aws-cloudwatch-scheduled-event.json'), lambdaContext())
    expect(ticks).toEqual([{ scheduledAt: '1970-01-01T00:00:00.000Z', isPastDue: true }])
  })

  it("reads the scheduled time of xfn's Scheduler payload", async () => {
    const { handler, ticks } = timerApp()
    const now = new Date().toISOString()
    await handler({ source: 'xfn.scheduler', scheduledTime: now }, lambdaContext())
    expect(ticks).toEqual([{ scheduledAt: now, isPastDue: false }])
  })

  it('refuses an EventBridge event that is not a schedule', async () => {
    const { handler } = timerApp()
    await expect(handler(capture('powertools__eventbridge-base.json'), lambdaContext())).rejects.toThrow(
      'triggered by timer, but received an event of another shape',
    )
  })
})

describe('topic subscriptions', () => {
  function topicApp(fail = false) {
    const made = createApp()
    const seen: TopicMessage[] = []
    made.app.topic('email', { topic: made.topic('order-placed') }, (message) => {
      seen.push(message)
      if (fail) throw new Error('no mail today')
    })
    return { handler: lambdaHandler('email', { registry: made.registry, write: () => undefined }), seen }
  }

  it("reads a raw delivery from the subscription's queue: the text, the string attributes, the send time", async () => {
    const { handler, seen } = topicApp()
    // A captured SQS event whose message attributes are of each data type.
    const answer = await handler(capture('aws-lambda-go__sqs-event.json'), lambdaContext())
    expect(answer).toEqual({ batchItemFailures: [] })
    const [message] = seen
    expect({
      id: message?.id,
      text: message?.text(),
      attempt: message?.attempt,
      publishedAt: message?.publishedAt.toISOString(),
      attributes: message?.attributes,
      topic: message?.topic,
    }).toEqual({
      id: 'MessageID_1',
      text: 'Message Body',
      attempt: 2,
      publishedAt: new Date(1520621625029).toISOString(),
      // String and Number attributes carry a string value; a Binary one has none to give.
      attributes: { Attribute1: 'AttributeValue1', Attribute2: '123' },
      topic: 'order-placed',
    })
  })

  it('reports a failed message, which SQS redelivers and then dead-letters', async () => {
    const { handler } = topicApp(true)
    const answer = await handler(
      { Records: [sqsRecord('m1', 'arn:aws:sqs:eu-west-1:123456789012:app-dev-order-placed--email')] },
      lambdaContext(),
    )
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] })
  })
})

describe('context and logs', () => {
  it('maps the request id, the function name and the remaining time, and writes Lambda JSON log lines', async () => {
    const made = createApp()
    const lines: string[] = []
    made.app.timer('tick', { every: '1 hour' }, (_tick, context) => {
      context.log.info('remaining', {
        ms: context.remainingMs(),
        id: context.invocationId,
        name: context.functionName,
        cloud: context.cloud,
      })
      context.log.debug('detail')
    })
    const handler = lambdaHandler('tick', { registry: made.registry, write: (line) => lines.push(line) })
    await handler(
      { source: 'xfn.scheduler', scheduledTime: new Date().toISOString() },
      lambdaContext('abc', 1234),
    )
    expect(lines).toHaveLength(2)
    expect(lines.every((line) => line.endsWith('\n'))).toBe(true)
    const first = JSON.parse(lines[0] ?? '')
    expect(first).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'INFO',
      requestId: 'abc',
      message: 'remaining',
      function: 'tick',
      fields: { ms: 1234, id: 'abc', name: 'tick', cloud: 'aws' },
    })
  })

  it('drops records below AWS_LAMBDA_LOG_LEVEL', async () => {
    const made = createApp()
    const lines: string[] = []
    made.app.timer('tick', { every: '1 hour' }, (_tick, context) => {
      context.log.debug('hidden')
      context.log.warn('shown')
    })
    process.env.AWS_LAMBDA_LOG_LEVEL = 'INFO'
    try {
      const handler = lambdaHandler('tick', { registry: made.registry, write: (line) => lines.push(line) })
      await handler({ source: 'xfn.scheduler', scheduledTime: new Date().toISOString() }, lambdaContext())
    } finally {
      delete process.env.AWS_LAMBDA_LOG_LEVEL
    }
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(['shown'])
  })
})
