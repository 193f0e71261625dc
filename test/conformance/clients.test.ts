import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs'
import { BlobServiceClient } from '@azure/storage-blob'
import { QueueServiceClient } from '@azure/storage-queue'
import { awsResourceProvider } from '@xfn/aws/runtime'
import { azureResourceProvider } from '@xfn/azure/runtime'
import { createApp } from '@xfn/core'
import { BlobStore, localResourceProvider, QueueStore } from '@xfn/local'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAzurite } from '../../adapters/azure/src/runtime/__fixtures__/azurite.js'

/**
 * The same handler code against the three implementations of the portable clients: the local
 * cloud's stores, the SQS/S3 clients (against in-memory fakes at the SDK level), and the Azure
 * Storage clients (against Azurite). Each must give the same results.
 */
async function exercise({ queue, bucket }: ReturnType<typeof createApp>) {
  const files = bucket('files')
  await files.put('a/café menu.json', '{"n":1}', { contentType: 'application/json' })
  await files.put('a/日本 b.txt', 'two')
  await files.put('z.txt', 'three')
  const got = await files.get('a/café menu.json')
  const missing = await files.get('a/none')
  const listed: string[] = []
  for await (const item of files.list({ prefix: 'a/' })) listed.push(`${item.key}:${item.size}`)
  await files.delete('a/日本 b.txt')
  await files.delete('a/never-there')
  const after: string[] = []
  for await (const item of files.list({ prefix: 'a/' })) after.push(item.key)
  await queue('jobs').send({ n: 1, word: 'café' })
  await queue('jobs').send('plain text')
  return {
    got: got && { text: got.text(), contentType: got.contentType },
    missing,
    listed: listed.sort(),
    after,
  }
}

const expected = {
  got: { text: '{"n":1}', contentType: 'application/json' },
  missing: null,
  listed: ['a/café menu.json:7', 'a/日本 b.txt:3'],
  after: ['a/café menu.json'],
}
const expectedMessages = ['{"n":1,"word":"café"}', 'plain text']

describe('the portable clients, one handler, three implementations', () => {
  let azurite: Awaited<ReturnType<typeof startAzurite>>
  beforeAll(async () => {
    azurite = await startAzurite()
    await QueueServiceClient.fromConnectionString(azurite.connectionString)
      .getQueueClient('jobs')
      .createIfNotExists()
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient('files')
      .createIfNotExists()
  }, 30_000)
  afterAll(async () => {
    await azurite?.stop()
  })

  it('local cloud', async () => {
    const root = mkdtempSync(join(tmpdir(), 'xfn-conformance-'))
    const queues = new QueueStore(join(root, 'queues.journal'))
    const made = createApp()
    made.registry.resources.provider = localResourceProvider(
      queues,
      new BlobStore(join(root, 'buckets'), 'secret'),
      {
        baseUrl: () => 'http://127.0.0.1:4747',
      },
    )
    expect(await exercise(made)).toEqual(expected)
    expect(queues.messages('jobs').map((m) => m.body)).toEqual(expectedMessages)
    queues.close()
  })

  it('AWS (SQS and S3 clients, SDK-level fakes)', async () => {
    const s3 = mockClient(S3Client)
    const sqs = mockClient(SQSClient)
    const objects = new Map<string, { body: Uint8Array; contentType: string | undefined }>()
    const sent: string[] = []
    s3.on(PutObjectCommand).callsFake(async (input) => {
      objects.set(input.Key, { body: input.Body as Uint8Array, contentType: input.ContentType })
      return {}
    })
    s3.on(GetObjectCommand).callsFake(async (input) => {
      const object = objects.get(input.Key)
      if (!object) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' })
      return { Body: { transformToByteArray: async () => object.body }, ContentType: object.contentType }
    })
    s3.on(ListObjectsV2Command).callsFake(async (input) => ({
      Contents: [...objects.keys()]
        .filter((key) => key.startsWith(input.Prefix ?? ''))
        .sort()
        .map((key) => ({ Key: key, Size: objects.get(key)?.body.byteLength, ETag: '"e"' })),
      IsTruncated: false,
    }))
    s3.on(DeleteObjectCommand).callsFake(async (input) => {
      objects.delete(input.Key)
      return {}
    })
    sqs.on(SendMessageBatchCommand).callsFake(async (input) => {
      for (const entry of input.Entries ?? []) sent.push(entry.MessageBody)
      return {}
    })
    const made = createApp()
    made.registry.resources.provider = awsResourceProvider({
      queues: { jobs: { url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/app-dev-jobs' } },
      buckets: { files: { name: 'app-dev-files-1a2b3c4d' } },
    })
    expect(await exercise(made)).toEqual(expected)
    expect(sent).toEqual(expectedMessages)
    s3.restore()
    sqs.restore()
  })

  it('Azure (Storage Queues and blobs, against Azurite)', async () => {
    const made = createApp()
    made.registry.resources.provider = azureResourceProvider(azurite.connectionString)
    expect(await exercise(made)).toEqual(expected)
    const received = await QueueServiceClient.fromConnectionString(azurite.connectionString)
      .getQueueClient('jobs')
      .receiveMessages({ numberOfMessages: 2 })
    expect(
      received.receivedMessageItems.map((m) => Buffer.from(m.messageText, 'base64').toString('utf8')),
    ).toEqual(expectedMessages)
  })
})
