import { createApp, hashApiKey, type QueueMessage } from '@xfn/core'
import { createTestHarness } from '@xfn/core/testing'
import { parseSetCookie } from 'set-cookie-parser'
import { beforeEach, describe, expect, it } from 'vitest'
import { registerEveryKind } from '../../../../core/src/__fixtures__/every-kind.js'
import {
  functionFor,
  type Observed,
  observeResponse,
  portableRequests,
  registerPortableHandlers,
} from '../../../../core/src/__fixtures__/portable-handlers.js'
import {
  azureCapture,
  invokeAsWorker,
  payloadAsHostSends,
  type RpcTypedData,
  registration,
  registrations,
  resetRegistrations,
  triggerOf,
} from './__fixtures__/host.js'
import {
  registerAzureFunctions,
  registerAzureKinds,
  registerHttp,
  registerKeyedHttp,
  registerTimer,
} from './index.js'
import { topicEvent } from './topics.js'

beforeEach(() => resetRegistrations())

describe('requests no route takes', () => {
  it('answers 405 with Allow for a known path, and a JSON 404 otherwise, as every cloud does', async () => {
    const made = createApp()
    registerEveryKind(made)
    registerAzureFunctions({ registry: made.registry })
    expect(triggerOf('xfnUnrouted')).toMatchObject({ route: '{*xfnUnroutedPath}', authLevel: 'anonymous' })
    const call = async (method: string, path: string) =>
      observeRpc(
        (
          await invokeAsWorker('xfnUnrouted', {
            input: { http: { method, url: `https://app.azurewebsites.net${path}` } },
          })
        ).response,
      )
    const wrongMethod = await call('DELETE', '/orders')
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.allow).toEqual(['POST'])
    expect(wrongMethod.body).toBe(Buffer.from('{"error":"Method Not Allowed"}').toString('hex'))
    const unknown = await call('GET', '/nowhere')
    expect(unknown.status).toBe(404)
    expect(unknown.body).toBe(Buffer.from('{"error":"Not Found"}').toString('hex'))
  })
})

describe('registration with the real @azure/functions library', () => {
  it('registers every kind of function with its binding', () => {
    const made = createApp()
    registerEveryKind(made)
    registerAzureFunctions({ registry: made.registry })
    expect(registrations.map((r) => r.metadata.name).sort()).toEqual([
      'audit',
      'createOrder',
      'fulfil',
      'getOrder',
      'nightly',
      'xfnUnrouted',
    ])
    expect(triggerOf('createOrder')).toMatchObject({
      type: 'httpTrigger',
      methods: ['POST'],
      route: 'orders',
      authLevel: 'anonymous',
    })
    expect(triggerOf('getOrder')).toMatchObject({
      type: 'httpTrigger',
      methods: ['GET', 'HEAD'],
      route: 'orders/{id}',
    })
    expect(triggerOf('fulfil')).toMatchObject({
      type: 'queueTrigger',
      queueName: 'orders',
      connection: 'AzureWebJobsStorage',
    })
    expect(triggerOf('nightly')).toMatchObject({ type: 'timerTrigger', schedule: '0 0 2 * * *' })
    expect(triggerOf('audit')).toMatchObject({
      type: 'blobTrigger',
      path: 'receipts/r/{name}.json',
      connection: 'AzureWebJobsStorage',
      source: 'EventGrid',
    })
    expect(registration('createOrder').metadata.bindings.$return).toMatchObject({
      type: 'http',
      direction: 'out',
    })
  })

  it('maps catch-all and root routes, and a polling blob source when asked', () => {
    const made = createApp()
    made.app.http('files', { route: '/files/{*path}', method: ['GET', 'PUT'] }, () => undefined)
    made.app.http('home', { route: '/' }, () => undefined)
    made.app.blob('scan', { bucket: 'uploads' }, () => undefined)
    registerAzureFunctions({ registry: made.registry, blobSource: 'LogsAndContainerScan' })
    expect(triggerOf('files')).toMatchObject({ route: 'files/{*path}', methods: ['GET', 'PUT', 'HEAD'] })
    expect(triggerOf('home')).toMatchObject({ route: '{xfnroot:maxlength(0)?}' })
    expect(triggerOf('scan')).toMatchObject({ path: 'uploads/{name}', source: 'LogsAndContainerScan' })
  })

  it('routes HEAD to a GET function, unless another function claims HEAD on its route', () => {
    const made = createApp()
    made.app.http('page', { route: '/page' }, () => undefined)
    made.app.http('item', { route: '/items/{id}' }, () => undefined)
    made.app.http('itemHead', { route: '/items/{key}', method: 'HEAD' }, () => undefined)
    registerAzureFunctions({ registry: made.registry })
    expect(triggerOf('page')).toMatchObject({ methods: ['GET', 'HEAD'] })
    expect(triggerOf('item')).toMatchObject({ methods: ['GET'] })
    expect(triggerOf('itemHead')).toMatchObject({ methods: ['HEAD'] })
  })

  it('refuses to start with registrars that leave out a kind or the key check the app needs', () => {
    const made = createApp()
    made.app.http('open', { route: '/open' }, () => undefined)
    made.app.http('secret', { route: '/secret', auth: 'key' }, () => undefined)
    made.app.timer('tick', { schedule: '0 * * * *' }, () => undefined)
    expect(() => registerAzureKinds({ http: registerKeyedHttp }, { registry: made.registry })).toThrow(
      /function 'tick' is triggered by timer, but the Function App was built without that kind/,
    )
    resetRegistrations()
    expect(() =>
      registerAzureKinds({ http: registerHttp, timer: registerTimer }, { registry: made.registry }),
    ).toThrow(/function 'secret' takes a key, but the Function App was built without key checks/)
  })

  it('refuses what the Azure host cannot run, naming the function and the reason', () => {
    const timers = createApp()
    timers.app.timer('odd', { every: '7 minutes' }, () => undefined)
    expect(() => registerAzureFunctions({ registry: timers.registry })).toThrow(
      /timer 'odd'.*cannot run on azure: NCRONTAB/,
    )
  })
})

function canonicalCookie(cookie: { name: string; value: string; path?: string; httpOnly?: boolean }): string {
  return `${cookie.name}=${cookie.value}${cookie.path ? `; path=${cookie.path}` : ''}${cookie.httpOnly ? '; httponly' : ''}`
}

interface RpcHttpResponse {
  readonly statusCode: string
  readonly headers: Record<string, string>
  readonly cookies: {
    name: string
    value: string
    path?: { value?: string }
    httpOnly?: { value?: boolean }
  }[]
  readonly body?: { bytes?: Uint8Array; string?: string }
}

/** What the worker sends the host for an HTTP function's answer, read as the portable tests compare. */
function observeRpc(response: unknown): Observed {
  const http = (response as { returnValue?: { http?: RpcHttpResponse } }).returnValue?.http
  if (!http) throw new Error(`the invocation returned no HTTP response: ${JSON.stringify(response)}`)
  const headers: Record<string, string[]> = {}
  for (const [name, value] of Object.entries(http.headers)) headers[name] = value.split(/,\s*/)
  return {
    status: Number(http.statusCode),
    headers,
    cookies: http.cookies.map((c) =>
      canonicalCookie({ name: c.name, value: c.value, path: c.path?.value, httpOnly: c.httpOnly?.value }),
    ),
    body: Buffer.from(http.body?.bytes ?? Buffer.from(http.body?.string ?? '')).toString('hex'),
  }
}

describe('HTTP invocations', () => {
  it.each(portableRequests)('$method $path is observed as in-process', async (spec) => {
    const made = createApp()
    registerPortableHandlers(made)
    registerAzureFunctions({ registry: made.registry })
    const name = functionFor(spec.method, spec.path, made)
    const query = spec.query ? `?${new URLSearchParams(spec.query)}` : ''
    const url = `https://app.azurewebsites.net${encodeURI(spec.path)}${query}`
    const { response } = await invokeAsWorker(name, {
      input: {
        http: {
          method: spec.method,
          url,
          headers: {},
          query: Object.fromEntries(new URL(url).searchParams),
          ...(spec.body ? { body: { bytes: Buffer.from(spec.body) } } : {}),
        },
      },
    })
    const azure = observeRpc(response)
    const local = await observeResponse(
      await createTestHarness({ registry: made.registry }).fetch(`${encodeURI(spec.path)}${query}`, {
        method: spec.method,
        ...(spec.body ? { body: spec.body } : {}),
      }),
      (values) => parseSetCookie(values).map((cookie) => canonicalCookie(cookie)),
    )
    if (local.status === 500) expect(azure.status).toBe(500)
    else expect(azure).toEqual(local)
  })

  it('reads headers, query, params and a binary body of the host request', async () => {
    const made = createApp()
    made.app.http('upload', { route: '/files/{*path}', method: 'PUT' }, async (request) => {
      const bytes = new Uint8Array(await request.arrayBuffer())
      return {
        json: {
          path: request.params.path,
          tag: request.headers.get('x-tag'),
          q: new URL(request.url).searchParams.getAll('q'),
          bytes: [...bytes],
        },
      }
    })
    registerAzureFunctions({ registry: made.registry })
    const { response } = await invokeAsWorker('upload', {
      input: {
        http: {
          method: 'PUT',
          url: 'https://app.azurewebsites.net/files/a/red%20flower.png?q=1&q=2',
          headers: { 'x-tag': 'blue' },
          body: { bytes: new Uint8Array([0, 255, 10, 13]) },
          params: { path: 'ignored' },
        },
      },
    })
    expect(JSON.parse(Buffer.from(observeRpc(response).body, 'hex').toString())).toEqual({
      path: 'a/red flower.png',
      tag: 'blue',
      q: ['1', '2'],
      bytes: [0, 255, 10, 13],
    })
  })

  it('gives a generic 500 and logs the error at error level with the invocation id', async () => {
    const made = createApp()
    registerPortableHandlers(made)
    registerAzureFunctions({ registry: made.registry })
    const { response, lines } = await invokeAsWorker('fails', {
      input: { http: { method: 'GET', url: 'https://app.azurewebsites.net/fails' } },
    })
    const observed = observeRpc(response)
    expect(observed.status).toBe(500)
    expect(Buffer.from(observed.body, 'hex').toString()).not.toContain('secret')
    expect(lines[0]).toMatchObject({ level: 'error', category: 'user' })
    expect(JSON.parse(String(lines[0]?.message))).toMatchObject({
      level: 'ERROR',
      invocationId: 'inv-1',
      message: 'handler failed',
    })
  })

  it("checks the app's key in x-api-key, and fails closed without the key setting", async () => {
    const made = createApp()
    registerPortableHandlers(made)
    registerAzureFunctions({ registry: made.registry })
    const call = async (key?: string) => {
      const http = {
        method: 'GET',
        url: 'https://app.azurewebsites.net/secret',
        headers: key ? { 'x-api-key': key } : {},
      }
      return observeRpc((await invokeAsWorker('secret', { input: { http } })).response).status
    }
    expect(await call('anything')).toBe(500)
    process.env.XFN_API_KEY_SHA256 = hashApiKey('the-key')
    try {
      expect(await call()).toBe(401)
      expect(await call('wrong')).toBe(401)
      expect(await call('the-key')).toBe(200)
    } finally {
      delete process.env.XFN_API_KEY_SHA256
    }
  })
})

describe('queue, timer and blob invocations with the captured trigger metadata', () => {
  type Capture = { rpcTriggerMetadata: Record<string, RpcTypedData> }

  function queueApp() {
    const made = createApp()
    const seen: QueueMessage[] = []
    made.app.queue('work', { queue: 'orders' }, (message) => {
      seen.push(message)
    })
    registerAzureFunctions({ registry: made.registry })
    return seen
  }

  it('builds one message from the captured queue trigger, through the worker path', async () => {
    const capture = azureCapture<Capture>('queue-trigger-metadata.json')
    const seen = queueApp()
    const sent = String(capture.rpcTriggerMetadata.QueueTrigger?.string)
    await invokeAsWorker('work', {
      input: payloadAsHostSends('work', Buffer.from(sent)),
      triggerMetadata: capture.rpcTriggerMetadata,
    })
    expect(seen[0]?.id).toBe('814b3b66-0200-4121-8ef3-405846a124bf')
    expect(seen[0]?.attempt).toBe(1)
    expect(seen[0]?.enqueuedAt.toISOString()).toBe('2022-08-25T05:06:39.000Z')
    expect(seen[0]?.json()).toEqual({ name: 'world' })
    expect(seen[0]?.text()).toBe('{\n  "name": "world"\n}')
  })

  // Messages the library would parse as JSON and the old code wrote back changed.
  it.each([
    '12345678901234567890',
    '"hello"',
    '1.50',
    '{"n": 1.0}',
    '1e400',
    '89e7073266',
    'true',
    'null',
    '  padded  ',
    'héllo ✓ 🎉',
    '',
  ])('gives the message %j byte for byte', async (sent) => {
    const seen = queueApp()
    await invokeAsWorker('work', {
      input: payloadAsHostSends('work', Buffer.from(sent)),
      triggerMetadata: { Id: { string: 'm1' }, DequeueCount: { json: '1' } },
    })
    expect(seen[0]?.text()).toBe(sent)
  })

  it('fails a message that is not UTF-8 back to the host (retried, then poisoned), never altered', async () => {
    const seen = queueApp()
    await expect(
      invokeAsWorker('work', {
        input: payloadAsHostSends('work', new Uint8Array([0x68, 0xff, 0x69])),
        triggerMetadata: { Id: { string: 'm1' }, DequeueCount: { json: '1' } },
      }),
    ).rejects.toThrow(/not UTF-8/)
    expect(seen).toEqual([])
  })

  it('gives a text message as it is, with its dequeue count as the attempt, and throws failures back to the host', async () => {
    const made = createApp()
    made.app.queue('work', { queue: 'orders' }, (message) => {
      throw new Error(`cannot handle ${message.text()} on attempt ${message.attempt}`)
    })
    registerAzureFunctions({ registry: made.registry })
    await expect(
      invokeAsWorker('work', {
        input: payloadAsHostSends('work', Buffer.from('plain text')),
        triggerMetadata: { Id: { string: 'm1' }, DequeueCount: { json: '3' } },
      }),
    ).rejects.toThrow('cannot handle plain text on attempt 3')
  })

  it('turns the timer input into a tick with its scheduled time', async () => {
    const capture = azureCapture<{ rpcInputBinding: { data: RpcTypedData } }>('timer-trigger-input.json')
    const made = createApp()
    const ticks: { scheduledAt: Date; isPastDue: boolean }[] = []
    made.app.timer('poll', { every: '5 minutes' }, (tick) => {
      ticks.push(tick)
    })
    registerAzureFunctions({ registry: made.registry })
    await invokeAsWorker('poll', { input: capture.rpcInputBinding.data })
    expect(ticks[0]?.isPastDue).toBe(false)
    const scheduled = ticks[0]?.scheduledAt.getTime() ?? 0
    expect(scheduled % 300_000).toBe(0)
    expect(Date.now() - scheduled).toBeLessThan(300_000)
  })

  function blobApp() {
    const made = createApp()
    const seen: unknown[] = []
    made.app.blob('audit', { bucket: 'helloworldcontainer' }, (event) => {
      seen.push({ ...event, native: undefined })
    })
    registerAzureFunctions({ registry: made.registry })
    return seen
  }

  it('turns blob trigger metadata into the same blob event as on AWS (storage extension v4 names)', async () => {
    const capture = azureCapture<Capture>('blob-trigger-metadata.json')
    const seen = blobApp()
    // A JSON blob: the library would parse its text; the size is still its bytes.
    await invokeAsWorker('audit', {
      input: payloadAsHostSends('audit', Buffer.from('{"a": 1.0, "b":2}')),
      triggerMetadata: capture.rpcTriggerMetadata,
    })
    expect(seen).toEqual([
      {
        type: 'created',
        bucket: 'helloworldcontainer',
        key: 'hello-at-2022-08-25T05-06-38Z',
        size: 16,
        etag: '"0x8DA8657981E929A"',
        time: new Date('2022-08-25T05:06:39+00:00'),
        native: undefined,
      },
    ])
  })

  it('reads the blob properties by the names of storage extension v5 (extension bundle v4)', async () => {
    const capture = azureCapture<Capture>('blob-trigger-metadata-v5.json')
    const seen = blobApp()
    await invokeAsWorker('audit', {
      input: payloadAsHostSends('audit', Buffer.from('x'.repeat(2048))),
      triggerMetadata: capture.rpcTriggerMetadata,
    })
    expect(seen).toEqual([
      {
        type: 'created',
        bucket: 'helloworldcontainer',
        key: 'reports/2026/q3.csv',
        size: 2048,
        etag: '',
        time: new Date('2026-11-20T10:15:31+00:00'),
        native: undefined,
      },
    ])
  })

  it('hears of deletions through an Event Grid trigger, given the documented BlobDeleted event', async () => {
    const made = createApp()
    const seen: unknown[] = []
    made.app.blob('both', { bucket: 'testcontainer', events: ['created', 'deleted'] }, (event) => {
      seen.push({ ...event, native: undefined })
    })
    made.app.blob('txt', { bucket: 'testcontainer', suffix: '.txt', events: ['deleted'] }, (event) => {
      seen.push({ ...event, native: undefined })
    })
    made.app.blob('elsewhere', { bucket: 'other', events: ['deleted'] }, () => {
      seen.push('elsewhere')
    })
    registerAzureFunctions({ registry: made.registry })
    expect(triggerOf('both')).toMatchObject({ type: 'blobTrigger', path: 'testcontainer/{name}' })
    expect(triggerOf('both-deleted')).toMatchObject({ type: 'eventGridTrigger' })
    expect(triggerOf('txt')).toMatchObject({ type: 'eventGridTrigger' })
    const event = azureCapture('blob-deleted-event.json')
    for (const name of ['both-deleted', 'txt', 'elsewhere'])
      await invokeAsWorker(name, { input: { string: JSON.stringify(event) } })
    const deleted = {
      type: 'deleted',
      bucket: 'testcontainer',
      key: 'file-to-delete.txt',
      size: 0,
      etag: '',
      time: new Date('2017-11-07T20:09:22.567Z'),
      native: undefined,
    }
    expect(seen).toEqual([deleted, deleted])
  })

  it('takes topic messages through an Event Grid trigger, checks the filter exactly, and fails on a foreign event', async () => {
    const made = createApp()
    const seen: unknown[] = []
    made.app.topic('audit', { topic: made.topic('order-placed'), filter: { region: ['eu'] } }, (message) => {
      seen.push({
        id: message.id,
        text: message.text(),
        attributes: message.attributes,
        topic: message.topic,
      })
    })
    registerAzureFunctions({ registry: made.registry })
    expect(triggerOf('audit')).toMatchObject({ type: 'eventGridTrigger' })
    const at = new Date('2026-11-29T10:00:00Z')
    const send = (region: string) =>
      invokeAsWorker('audit', {
        input: {
          string: JSON.stringify(
            topicEvent('order-placed', { body: '{"id":7}', attributes: { region } }, `e-${region}`, at),
          ),
        },
      })
    await send('eu')
    // Event Grid's StringIn ignores case; every cloud's filter does not, so the function skips it.
    await send('EU')
    expect(seen).toEqual([
      { id: 'e-eu', text: '{"id":7}', attributes: { region: 'eu' }, topic: 'order-placed' },
    ])
    await expect(
      invokeAsWorker('audit', { input: { string: JSON.stringify(azureCapture('blob-deleted-event.json')) } }),
    ).rejects.toThrow("received an event of type 'Microsoft.Storage.BlobDeleted'")
  })

  it('writes log records at their level, with the structured fields', async () => {
    const made = createApp()
    made.app.timer('tick', { every: '1 hour' }, (_tick, context) => {
      context.log.warn('low stock', { sku: 'tea', left: 2 })
      context.log.debug('detail')
    })
    registerAzureFunctions({ registry: made.registry })
    const { lines } = await invokeAsWorker('tick', { input: { json: '{"IsPastDue":true}' } })
    expect(lines.map((l) => l.level)).toEqual(['warning', 'debug'])
    expect(JSON.parse(String(lines[0]?.message))).toEqual({
      timestamp: expect.any(String),
      level: 'WARN',
      invocationId: 'inv-1',
      message: 'low stock',
      function: 'tick',
      fields: { sku: 'tea', left: 2 },
    })
  })
})
