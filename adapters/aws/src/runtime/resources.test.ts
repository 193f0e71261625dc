import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs'
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { createApp } from '@xfn/core'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { lambdaContext, v2Event } from './__fixtures__/events.js'
import { httpHandler } from './index.js'
import { awsResourceProvider, installAwsResources, resourcesFromEnvironment } from './resources.js'

const sqs = mockClient(SQSClient)
const s3 = mockClient(S3Client)
const resources = {
  queues: {
    orders: { url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/shop-dev-orders' },
    ordered: { url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/shop-dev-ordered.fifo' },
  },
  buckets: { receipts: { name: 'shop-dev-receipts-1a2b3c4d' } },
}

beforeEach(() => {
  sqs.reset()
  s3.reset()
})
afterEach(() => {
  delete process.env.XFN_RESOURCES
})

function app() {
  const made = createApp()
  made.registry.resources.provider = awsResourceProvider(resources)
  return made
}

describe('queues on SQS', () => {
  it('sends strings as they are and other values as JSON, in batches of ten', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] })
    const { queue } = app()
    await queue('orders').send('plain text')
    await queue('orders').sendBatch(Array.from({ length: 12 }, (_, n) => ({ n })))
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input)
    expect(calls.map((input) => input.Entries?.length)).toEqual([1, 10, 2])
    expect(calls[0]).toMatchObject({
      QueueUrl: resources.queues.orders.url,
      Entries: [{ MessageBody: 'plain text' }],
    })
    expect(calls[1]?.Entries?.[3]?.MessageBody).toBe('{"n":3}')
  })

  it('passes a delay, and groups FIFO messages', async () => {
    sqs.on(SendMessageBatchCommand).resolves({})
    const { queue } = app()
    await queue('orders').send({ id: 1 }, { delaySeconds: 30 })
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0]).toMatchObject({
      DelaySeconds: 30,
    })
    const ordered = queue('ordered', { fifo: true })
    await ordered.send({ id: 2 })
    expect(sqs.commandCalls(SendMessageBatchCommand)[1]?.args[0].input.Entries?.[0]).toMatchObject({
      MessageGroupId: 'ordered',
    })
    await expect(ordered.send({ id: 3 }, { delaySeconds: 5 })).rejects.toThrow(
      'SQS FIFO queues take no per-message delay',
    )
  })

  it('refuses a message over 256 KiB before sending, naming the limits', async () => {
    const { queue } = app()
    await expect(queue('orders').send('x'.repeat(256 * 1024 + 1))).rejects.toThrow(
      /over the limit of 256 KiB on aws \(Azure takes 48 KiB, 64 KiB once base64-encoded: the portable limit\)/,
    )
    expect(sqs.commandCalls(SendMessageBatchCommand)).toEqual([])
  })

  it('reports messages SQS did not take, so none is lost silently', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false, Message: 'try again' }] })
    const { queue } = app()
    await expect(queue('orders').send('a')).rejects.toThrow(
      "SQS did not take 1 message(s) for queue('orders'): message 0: InternalError try again",
    )
  })

  it('names a queue the function was not deployed with', async () => {
    const { queue } = app()
    await expect(queue('other').send('a')).rejects.toThrow(
      "queue('other') is not among the resources this function was deployed with",
    )
  })
})

describe('buckets on S3', () => {
  it('puts, gets, lists with pages, and deletes, with unicode keys', async () => {
    s3.on(PutObjectCommand).resolves({})
    s3.on(GetObjectCommand, { Key: 'r/café menu.json' }).resolves({
      Body: { transformToByteArray: async () => new TextEncoder().encode('{"a":1}') } as never,
      ContentType: 'application/json',
    })
    s3.on(GetObjectCommand, { Key: 'missing' }).rejects(
      Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' }),
    )
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      Contents: [{ Key: 'r/a', Size: 1, ETag: '"e1"' }],
      IsTruncated: true,
      NextContinuationToken: 't2',
    })
    s3.on(ListObjectsV2Command, { ContinuationToken: 't2' }).resolves({
      Contents: [{ Key: 'r/b', Size: 2, ETag: '"e2"' }],
      IsTruncated: false,
    })
    s3.on(DeleteObjectCommand).resolves({})
    const { bucket } = app()
    const receipts = bucket('receipts')
    await receipts.put('r/café menu.json', '{"a":1}', { contentType: 'application/json' })
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'shop-dev-receipts-1a2b3c4d',
      Key: 'r/café menu.json',
      ContentType: 'application/json',
    })
    const got = await receipts.get('r/café menu.json')
    expect(got?.text()).toBe('{"a":1}')
    expect(got?.contentType).toBe('application/json')
    expect(await receipts.get('missing')).toBeNull()
    const keys: string[] = []
    for await (const item of receipts.list({ prefix: 'r/' })) keys.push(item.key)
    expect(keys).toEqual(['r/a', 'r/b'])
    await receipts.delete('r/a')
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'shop-dev-receipts-1a2b3c4d',
      Key: 'r/a',
    })
  })

  it('signs URLs for reading and writing', async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'AKIDEXAMPLE'
    process.env.AWS_SECRET_ACCESS_KEY ??= 'secret'
    process.env.AWS_REGION ??= 'eu-west-1'
    const { bucket } = app()
    const url = new URL(await bucket('receipts').signedUrl('r/a b.json', { expiresIn: 60, method: 'PUT' }))
    expect(url.hostname).toContain('shop-dev-receipts-1a2b3c4d')
    expect(decodeURIComponent(url.pathname)).toBe('/r/a b.json')
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60')
  })
})

describe('inside a Lambda handler', () => {
  it('reads the resources from XFN_RESOURCES once installed', async () => {
    sqs.on(SendMessageBatchCommand).resolves({})
    process.env.XFN_RESOURCES = JSON.stringify(resources)
    const made = createApp()
    made.app.http(
      'enqueue',
      { route: '/enqueue', method: 'POST', uses: [made.queue('orders')] },
      async (request) => {
        await made.queue('orders').send(await request.json())
        return { status: 202 }
      },
    )
    installAwsResources(made.registry)
    const handler = httpHandler('enqueue', { registry: made.registry, write: () => undefined })
    const result = (await handler(
      v2Event({ method: 'POST', path: '/enqueue', body: '{"sku":"tea"}' }),
      lambdaContext(),
    )) as {
      statusCode: number
    }
    expect(result.statusCode).toBe(202)
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0]?.MessageBody).toBe(
      '{"sku":"tea"}',
    )
  })

  it('refuses a call the function did not declare, before any SDK call', async () => {
    process.env.XFN_RESOURCES = JSON.stringify(resources)
    const made = createApp()
    made.queue('orders')
    made.app.http('sneaky', { route: '/sneaky' }, async () => {
      await made.queue('orders').send('x')
      return { status: 204 }
    })
    installAwsResources(made.registry)
    const lines: string[] = []
    const handler = httpHandler('sneaky', { registry: made.registry, write: (line) => lines.push(line) })
    const result = (await handler(v2Event({ method: 'GET', path: '/sneaky' }), lambdaContext())) as {
      statusCode: number
    }
    expect(result.statusCode).toBe(500)
    expect(lines.join('\n')).toContain(
      "queue('orders').send() was called by function 'sneaky', which does not declare that it uses it",
    )
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0)
  })

  it('says clearly when XFN_RESOURCES is damaged', () => {
    expect(() => resourcesFromEnvironment('{oops')).toThrow('XFN_RESOURCES is not valid JSON')
  })
})

describe('a function reading a secret on AWS', () => {
  const ssm = mockClient(SSMClient)
  afterEach(() => {
    ssm.reset()
    delete process.env.XFN_RESOURCES
  })

  it('reads the decrypted parameter its XFN_RESOURCES names, and says how to set a missing one', async () => {
    process.env.XFN_RESOURCES = JSON.stringify({
      queues: {},
      buckets: {},
      secrets: { 'webhook-key': { parameter: '/xfn/shop/dev/secrets/webhook-key' } },
    })
    const value = 'whsec_Zoë_0123456789'
    ssm.on(GetParameterCommand).resolvesOnce({ Parameter: { Value: value } })
    const made = createApp()
    installAwsResources(made.registry)
    expect(await made.secret('webhook-key').value()).toBe(value)
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/xfn/shop/dev/secrets/webhook-key',
      WithDecryption: true,
    })

    const other = createApp()
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }))
    installAwsResources(other.registry)
    await expect(other.secret('webhook-key').value()).rejects.toThrow(
      'the secret has no value here. Set it with: xfn secret set webhook-key',
    )
  })
})
