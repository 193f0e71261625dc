import { BlobServiceClient } from '@azure/storage-blob'
import { QueueServiceClient } from '@azure/storage-queue'
import { createApp, type QueueMessage } from '@xfn/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAzurite } from './__fixtures__/azurite.js'
import { invokeAsWorker, payloadAsHostSends, resetRegistrations } from './__fixtures__/host.js'
import { registerAzureFunctions } from './index.js'
import { azureResourceProvider } from './resources.js'

let azurite: Awaited<ReturnType<typeof startAzurite>>
beforeAll(async () => {
  azurite = await startAzurite()
  await QueueServiceClient.fromConnectionString(azurite.connectionString)
    .getQueueClient('orders')
    .createIfNotExists()
  await BlobServiceClient.fromConnectionString(azurite.connectionString)
    .getContainerClient('receipts')
    .createIfNotExists()
}, 30_000)
afterAll(async () => {
  await azurite?.stop()
})

function app() {
  const made = createApp()
  made.registry.resources.provider = azureResourceProvider(azurite.connectionString)
  return made
}

describe('queues on Azure Storage Queues, against Azurite', () => {
  it('sends base64 text that the queue trigger decodes back to the same text and JSON', async () => {
    const { queue } = app()
    await queue('orders').send({ sku: 'café', quantity: 2 })
    await queue('orders').send('plain text')
    const received = await QueueServiceClient.fromConnectionString(azurite.connectionString)
      .getQueueClient('orders')
      .receiveMessages({ numberOfMessages: 2 })
    const bodies = received.receivedMessageItems.map((m) => Buffer.from(m.messageText, 'base64'))
    expect(bodies.map((b) => b.toString('utf8'))).toEqual(['{"sku":"café","quantity":2}', 'plain text'])

    // The host decodes the base64 and sends the bytes; the message reads the same as it was sent.
    resetRegistrations()
    const consumer = createApp()
    const seen: QueueMessage[] = []
    consumer.app.queue('fulfil', { queue: 'orders' }, (message) => {
      seen.push(message)
    })
    registerAzureFunctions({ registry: consumer.registry })
    for (const body of bodies)
      await invokeAsWorker('fulfil', {
        input: payloadAsHostSends('fulfil', body),
        triggerMetadata: { Id: { string: 'm1' }, DequeueCount: { json: '1' } },
      })
    expect(seen.map((m) => m.text())).toEqual(bodies.map((b) => b.toString('utf8')))
    expect(seen[0]?.json()).toEqual({ sku: 'café', quantity: 2 })
  })

  it('refuses a message over 48 KiB of text before sending', async () => {
    const { queue } = app()
    await expect(queue('orders').send('x'.repeat(48 * 1024 + 1))).rejects.toThrow(
      'over the limit of 48 KiB on azure',
    )
  })
})

describe('buckets as blob containers, against Azurite', () => {
  it('puts, gets, lists and deletes objects with unicode keys and spaces', async () => {
    const { bucket } = app()
    const receipts = bucket('receipts')
    await receipts.put('r/café menu.json', '{"a":1}', { contentType: 'application/json' })
    await receipts.put('r/日本/a b.txt', 'konnichiwa')
    await receipts.put('other.txt', 'x')
    const got = await receipts.get('r/café menu.json')
    expect(got?.text()).toBe('{"a":1}')
    expect(got?.contentType).toBe('application/json')
    expect(await receipts.get('r/missing.json')).toBeNull()
    const listed: string[] = []
    for await (const item of receipts.list({ prefix: 'r/' })) listed.push(`${item.key}:${item.size}`)
    expect(listed.sort()).toEqual(['r/café menu.json:7', 'r/日本/a b.txt:10'])
    await receipts.delete('r/café menu.json')
    await receipts.delete('r/never-there.json')
    expect(await receipts.get('r/café menu.json')).toBeNull()
  })

  it('signs URLs that read and write an object', async () => {
    const { bucket } = app()
    const receipts = bucket('receipts')
    const put = await receipts.signedUrl('signed/a b.txt', { method: 'PUT', expiresIn: 60 })
    const written = await fetch(put, {
      method: 'PUT',
      body: 'via url',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
    })
    expect(written.status).toBe(201)
    const get = await receipts.signedUrl('signed/a b.txt', { method: 'GET', expiresIn: 60 })
    expect(await (await fetch(get)).text()).toBe('via url')
  })

  it('says which setting is missing when there is no connection', async () => {
    const made = createApp()
    made.registry.resources.provider = azureResourceProvider(undefined, undefined, undefined, {})
    await expect(made.queue('orders').send('a')).rejects.toThrow(
      'Neither the app setting AzureWebJobsStorage__accountName nor AzureWebJobsStorage is set',
    )
  })

  it("reaches the account with the Function App's identity when the settings name it, not a key", async () => {
    const { createServer } = await import('node:https')
    const { fakeCertificate, fakeKey } = await import('../deploy/__fixtures__/fake-arm-tls.js')
    const seen: { method?: string; path?: string; authorization?: string; identity?: string }[] = []
    const server = createServer({ cert: fakeCertificate, key: fakeKey }, (request, response) => {
      seen.push({
        method: request.method,
        path: request.url?.split('?')[0],
        authorization: request.headers.authorization,
        identity: request.headers['x-identity-header'] as string | undefined,
      })
      request.resume()
      if (request.url?.startsWith('/identity'))
        return response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            access_token: 'storage-token',
            expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          }),
        )
      response.writeHead(201, { etag: '"0x1"', 'last-modified': new Date(0).toUTCString() }).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const saved = { ...process.env }
    // The test server's certificate is the fixtures' own.
    Object.assign(process.env, {
      IDENTITY_ENDPOINT: `https://127.0.0.1:${port}/identity`,
      IDENTITY_HEADER: 'identity-secret',
      NODE_TLS_REJECT_UNAUTHORIZED: '0',
    })
    try {
      const made = createApp()
      made.registry.resources.provider = azureResourceProvider(undefined, undefined, undefined, {
        AzureWebJobsStorage__accountName: 'shopdev',
        AzureWebJobsStorage__blobServiceUri: `https://127.0.0.1:${port}/shopdev`,
      })
      await made.bucket('receipts').put('r/1.json', '{}')
      expect(seen.map((r) => [r.method, r.path, r.authorization ?? r.identity])).toEqual([
        ['GET', '/identity', 'identity-secret'],
        ['PUT', '/shopdev/receipts/r/1.json', 'Bearer storage-token'],
      ])
    } finally {
      for (const name of ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'NODE_TLS_REJECT_UNAUTHORIZED'])
        if (saved[name] === undefined) delete process.env[name]
        else process.env[name] = saved[name]
      server.close()
    }
  })
})

describe('topics on Event Grid', () => {
  it("posts one event of Event Grid's schema per message to the topic's endpoint, with the Function App's identity", async () => {
    const { createServer } = await import('node:http')
    const received: { authorization: unknown; body: unknown }[] = []
    const server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk) => {
        body += chunk
      })
      request.on('end', () => {
        if (request.url?.startsWith('/identity'))
          return response.writeHead(200).end(
            JSON.stringify({
              access_token: 'grid-token',
              expires_on: String(Math.floor(Date.now() / 1000) + 3600),
            }),
          )
        received.push({ authorization: request.headers.authorization, body: JSON.parse(body) })
        response.writeHead(received.length > 1 ? 401 : 200).end('Unauthorized')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    Object.assign(process.env, {
      IDENTITY_ENDPOINT: `http://127.0.0.1:${port}/identity`,
      IDENTITY_HEADER: 'h',
    })
    try {
      const made = createApp()
      const topics = JSON.stringify({ 'order-placed': { endpoint: `http://127.0.0.1:${port}/api/events` } })
      made.registry.resources.provider = azureResourceProvider(azurite.connectionString, topics)
      await made.topic('order-placed').publish({ id: 1 }, { attributes: { region: 'eu' } })
      expect(received).toEqual([
        {
          authorization: 'Bearer grid-token',
          body: [
            {
              id: expect.stringMatching(/^[0-9a-f-]{36}$/),
              subject: 'order-placed',
              eventType: 'xfn.published',
              eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
              dataVersion: '1',
              data: { text: '{"id":1}', attributes: { region: 'eu' } },
            },
          ],
        },
      ])
      await expect(made.topic('order-placed').publish('x')).rejects.toThrow(
        "Event Grid did not take the message for topic('order-placed'): 401 Unauthorized",
      )
      const other = createApp()
      other.registry.resources.provider = azureResourceProvider(azurite.connectionString, '{}')
      await expect(other.topic('order-placed').publish('x')).rejects.toThrow(
        "The app setting XFN_TOPICS does not give topic('order-placed') its endpoint",
      )
    } finally {
      delete process.env.IDENTITY_ENDPOINT
      delete process.env.IDENTITY_HEADER
      server.close()
    }
  })
})

describe('secrets in Key Vault', () => {
  it("reads a secret with the Function App's identity token, keeps the token, and gives undefined for a missing one", async () => {
    const { createServer } = await import('node:http')
    const seen: { path: string; authorization?: string; identity?: string }[] = []
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1')
      seen.push({
        path: `${url.pathname}${url.search}`,
        ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
        ...(request.headers['x-identity-header']
          ? { identity: String(request.headers['x-identity-header']) }
          : {}),
      })
      if (url.pathname === '/msi/token')
        return response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            access_token: 'vault-token',
            expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          }),
        )
      if (url.pathname === '/secrets/webhook-key')
        return response.writeHead(200).end(JSON.stringify({ value: 'whsec_1', id: 'x' }))
      return response.writeHead(404).end(JSON.stringify({ error: { code: 'SecretNotFound' } }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${port}/msi/token`
    process.env.IDENTITY_HEADER = 'identity-secret'
    try {
      const provider = azureResourceProvider(azurite.connectionString, undefined, `http://127.0.0.1:${port}/`)
      expect(await provider.getSecret?.({ name: 'webhook-key' })).toBe('whsec_1')
      expect(await provider.getSecret?.({ name: 'other' })).toBeUndefined()
      expect(seen).toEqual([
        {
          path: '/msi/token?resource=https%3A%2F%2Fvault.azure.net&api-version=2019-08-01',
          identity: 'identity-secret',
        },
        { path: '/secrets/webhook-key?api-version=7.4', authorization: 'Bearer vault-token' },
        { path: '/secrets/other?api-version=7.4', authorization: 'Bearer vault-token' },
      ])
    } finally {
      delete process.env.IDENTITY_ENDPOINT
      delete process.env.IDENTITY_HEADER
      server.close()
    }
  })
})
