import '../../../adapters/azure/src/runtime/__fixtures__/host.js'
import { randomUUID } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob'
import { type QueueClient, QueueServiceClient } from '@azure/storage-queue'
import {
  apiKeyHashSetting,
  createRouter,
  type FunctionDefinition,
  type HttpTrigger,
  hashApiKey,
  type Manifest,
  parseRoute,
} from '@xfn/core'
import { startAzurite } from '../../../adapters/azure/src/runtime/__fixtures__/azurite.js'
import {
  invokeAsWorker,
  payloadAsHostSends,
  type RpcTypedData,
  registrations,
  type WorkerLogLine,
} from '../../../adapters/azure/src/runtime/__fixtures__/host.js'
import { keyVaultSetting } from '../../../adapters/azure/src/runtime/resources.js'
import { topicsSetting } from '../../../adapters/azure/src/runtime/topics.js'
import { conformanceSecret } from '../scenarios.js'
import { EmulatedEventGrid } from './azure-topics.js'
import {
  appKey,
  copyApp,
  type Driver,
  freshWorkDir,
  normalCookie,
  type Observed,
  pathWithQuery,
  requestBody,
  requestHeaders,
  xfn,
} from './driver.js'

type Logs = Observed['logs'][number][]

/**
 * Azure, as the Functions host runs the built Function App folder (`xfn build --cloud azure`,
 * loaded from its package.json `main` through the real @azure/functions library), each
 * invocation going through the library's own invocation model with RPC typed data, as the Node
 * worker does: HTTP requests routed by the registered route templates, or to the app's
 * catch-all; queue messages as the bytes Azurite holds, one at a time with the host's
 * dequeueCount, retried up to host.json's maxDequeueCount, then moved to the poison queue; blob
 * triggers with the storage extension's metadata, deletions as Event Grid's `BlobDeleted` event,
 * and timer ticks. Queues and blobs are Azurite's, a real emulator, through the app's own
 * AzureWebJobsStorage connection. Topics go through an Event Grid of the driver's own (see
 * azure-topics.ts).
 */
export function azureDriver(): Driver {
  let azurite: Awaited<ReturnType<typeof startAzurite>> | undefined
  let results: ContainerClient
  let uploads: ContainerClient
  let jobs: QueueClient
  let eventGrid: EmulatedEventGrid | undefined
  let vault: Awaited<ReturnType<typeof startVault>> | undefined
  /** Each app is its own Function App: its functions, and its host.json's maxDequeueCount. */
  const functionApps = new Map<string, { functions: Set<string>; maxDequeueCount: number }>()
  const poison: string[] = []
  let work = ''

  /** The functions of an app whose trigger binding is of a type and passes a test. */
  const triggered = (app: string, type: string, test: (binding: Record<string, unknown>) => boolean) =>
    registrations
      .filter((r) => functionApps.get(app)?.functions.has(r.metadata.name))
      .filter((r) => Object.values(r.metadata.bindings).some((b) => b.type === type && test(b)))
      .map((r) => r.metadata.name)

  /** Invokes as the worker does, and keeps the structured log records the handler wrote. */
  const invoke = async (
    name: string,
    logs: Logs,
    input: RpcTypedData,
    triggerMetadata: Record<string, RpcTypedData> = {},
  ) => {
    const lines: WorkerLogLine[] = []
    try {
      return (await invokeAsWorker(name, { input, triggerMetadata }, lines)).response
    } finally {
      for (const line of lines) {
        if (line.category !== 'user') continue
        const record = JSON.parse(line.message) as { level: string; message: string; fields?: unknown }
        logs.push({
          level: record.level.toLowerCase(),
          message: record.message,
          ...(record.fields === undefined ? {} : { fields: record.fields }),
        })
      }
    }
  }

  const resultNames = async () => {
    const names: string[] = []
    for await (const blob of results.listBlobsFlat()) names.push(blob.name)
    return names
  }
  const resultsAfter = async (before: ReadonlySet<string>) => {
    const out: Record<string, unknown> = {}
    for (const name of await resultNames()) {
      if (before.has(name)) continue
      out[name] = JSON.parse((await results.getBlobClient(name).downloadToBuffer()).toString('utf8'))
    }
    return out
  }

  /** The host's queue trigger: one message at a time, dequeueCount counting, then the poison queue. */
  const deliver = async (app: string, body: Buffer, logs: Logs, queue = 'jobs') => {
    const id = randomUUID()
    const [consumer = 'work'] = triggered(app, 'queueTrigger', (b) => b.queueName === queue)
    const maxDequeueCount = functionApps.get(app)?.maxDequeueCount ?? 5
    for (let dequeueCount = 1; ; dequeueCount++) {
      try {
        await invoke(consumer, logs, payloadAsHostSends(consumer, body), {
          Id: { string: id },
          DequeueCount: { json: String(dequeueCount) },
          InsertionTime: { json: JSON.stringify(new Date().toISOString()) },
        })
        return
      } catch {
        if (dequeueCount >= maxDequeueCount) {
          poison.push(body.toString('utf8'))
          return
        }
      }
    }
  }

  /** Delivers what the app itself sent to its queue, as the host would pick it up. */
  const pump = async (app: string, logs: Logs) => {
    for (;;) {
      const { receivedMessageItems } = await jobs.receiveMessages({ numberOfMessages: 32 })
      if (receivedMessageItems.length === 0) return
      for (const message of receivedMessageItems) {
        await jobs.deleteMessage(message.messageId, message.popReceipt)
        await deliver(app, Buffer.from(message.messageText, 'base64'), logs)
      }
    }
  }

  const route = () => {
    const http = registrations.filter((r) =>
      Object.values(r.metadata.bindings).some((b) => b.type === 'httpTrigger'),
    )
    const definitions = http
      .filter((r) => r.metadata.name !== 'xfnUnrouted')
      .map((r) => {
        const binding = Object.values(r.metadata.bindings).find(
          (b) => b.type === 'httpTrigger',
        ) as unknown as {
          route: string
          methods: string[]
        }
        return {
          name: r.metadata.name,
          trigger: {
            type: 'http',
            methods: binding.methods,
            route: parseRoute(`/${binding.route}`, r.metadata.name),
          },
        }
      }) as unknown as FunctionDefinition<HttpTrigger>[]
    const router = createRouter(definitions)
    return (method: string, path: string) => {
      const outcome = router(method, path)
      return outcome.status === 'matched' ? outcome.fn.name : 'xfnUnrouted'
    }
  }
  let routeOf: ReturnType<typeof route> | undefined

  return {
    target: 'azure',
    async start(apps) {
      work = freshWorkDir('azure')
      azurite = await startAzurite()
      process.env.AzureWebJobsStorage = azurite.connectionString
      process.env[apiKeyHashSetting] = hashApiKey(appKey)
      vault = await startVault()
      const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString)
      results = blobs.getContainerClient('results')
      uploads = blobs.getContainerClient('uploads')
      await results.createIfNotExists()
      await uploads.createIfNotExists()
      jobs = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('jobs')
      await jobs.createIfNotExists()
      for (const app of apps) {
        const dir = copyApp(work, app)
        xfn('build', dir, '--cloud', 'azure')
        if (app === 'topics') {
          const { manifest } = JSON.parse(
            readFileSync(join(dir, '.xfn/build/azure/manifest.json'), 'utf8'),
          ) as { manifest: Manifest }
          eventGrid = await EmulatedEventGrid.start(manifest, vault.token)
          // Read by the app's resource clients as the bundle loads.
          process.env[topicsSetting] = eventGrid.setting
        }
        const folder = join(dir, '.xfn/build/azure/app')
        const host = JSON.parse(readFileSync(join(folder, 'host.json'), 'utf8')) as {
          extensions?: { queues?: { maxDequeueCount?: number } }
        }

        const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { main: string }
        // Each Function App is its own host process; in this one, each app starts from an empty
        // process-wide registry, as it would there.
        delete (globalThis as Record<symbol, unknown>)[Symbol.for('xfn.registry.v1')]
        const before = registrations.length
        await import(pathToFileURL(join(folder, pkg.main)).href)
        functionApps.set(app, {
          functions: new Set(registrations.slice(before).map((r) => r.metadata.name)),
          maxDequeueCount: host.extensions?.queues?.maxDequeueCount ?? 5,
        })
      }
      routeOf = route()
    },
    async stop() {
      await vault?.stop()
      await eventGrid?.stop()
      delete process.env[topicsSetting]
      await azurite?.stop()
      rmSync(work, { recursive: true, force: true })
    },
    async run(scenario) {
      const before = new Set(await resultNames())
      const poisonBefore = poison.length
      const logs: Logs = []
      const settle = async (base: Omit<Observed, 'results' | 'deadLettered' | 'logs'>) => {
        await pump(scenario.app, logs)
        await eventGrid?.drain((name, event) =>
          invoke(name, logs, { string: JSON.stringify(event) }).then(() => undefined),
        )
        return {
          ...base,
          results: await resultsAfter(before),
          deadLettered:
            scenario.app === 'topics'
              ? (eventGrid?.takeDeadLetters('flaky') ?? [])
              : poison.slice(poisonBefore),
          logs: [...logs],
        }
      }
      const { input } = scenario
      if (input.kind === 'http') {
        const name = routeOf?.(input.method, input.path) ?? 'xfnUnrouted'
        const headers: Record<string, string> = {}
        for (const [header, value] of requestHeaders(input)) {
          const lower = header.toLowerCase()
          headers[lower] = headers[lower] === undefined ? value : `${headers[lower]}, ${value}`
        }
        const body = requestBody(input)
        const url = `https://conformance.azurewebsites.net${pathWithQuery(input)}`
        const response = (await invoke(name, logs, {
          http: {
            method: input.method,
            url,
            headers,
            query: Object.fromEntries(new URL(url).searchParams),
            ...(body === undefined ? {} : { body: { bytes: body } }),
          },
        })) as { returnValue: { http: RpcHttpResponse } }
        const { http } = response.returnValue
        const responseHeaders: Record<string, string> = {}
        for (const [header, value] of Object.entries(http.headers))
          if (header !== 'set-cookie') responseHeaders[header] = value
        return [
          await settle({
            via: 'http',
            status: Number(http.statusCode),
            headers: responseHeaders,
            cookies: http.cookies.map((cookie) => normalCookie(cookieText(cookie))),
            body: new Uint8Array(http.body?.bytes ?? []),
          }),
        ]
      }
      if (input.kind === 'publish') {
        const response = (await invoke('publish', logs, {
          http: {
            method: 'POST',
            url: 'https://conformance.azurewebsites.net/publish',
            headers: { 'content-type': 'application/json' },
            query: {},
            body: {
              bytes: Buffer.from(JSON.stringify({ message: input.message, attributes: input.attributes })),
            },
          },
        })) as { returnValue: { http: RpcHttpResponse } }
        const { http } = response.returnValue
        return [
          await settle({
            via: 'http',
            status: Number(http.statusCode),
            body: new Uint8Array(http.body?.bytes ?? []),
          }),
        ]
      }
      if (input.kind === 'queue')
        for (const body of input.bodies) await deliver(scenario.app, Buffer.from(body), logs, input.queue)
      if (input.kind === 'timer')
        await invoke(input.function, logs, {
          json: JSON.stringify({ Schedule: {}, ScheduleStatus: {}, IsPastDue: false }),
        })
      if (input.kind === 'blob') {
        const content = Buffer.from(input.body)
        const blob = uploads.getBlockBlobClient(input.key)
        await blob.uploadData(content)
        if (input.type === 'created') {
          const properties = await blob.getProperties()
          for (const name of triggered(scenario.app, 'blobTrigger', (b) =>
            input.key.startsWith(String(b.path).slice('uploads/'.length).replace('{name}', '')),
          ))
            await invoke(name, logs, payloadAsHostSends(name, content), {
              BlobTrigger: { string: `uploads/${input.key}` },
              Uri: { json: JSON.stringify(blob.url) },
              // Storage extension v5's BlobProperties, as the host writes them.
              Properties: {
                json: JSON.stringify({
                  ContentLength: properties.contentLength,
                  CreatedOn: properties.createdOn,
                  LastModified: properties.lastModified,
                  ETag: {},
                }),
              },
            })
        } else {
          await blob.delete()
          // Event Grid's BlobDeleted event, in the documented schema, to every Event Grid trigger
          // (each checks its own container, prefix and suffix, as its subscription filters).
          const event = {
            topic:
              '/subscriptions/0/resourceGroups/conformance/providers/Microsoft.Storage/storageAccounts/devstoreaccount1',
            subject: `/blobServices/default/containers/uploads/blobs/${input.key}`,
            eventType: 'Microsoft.Storage.BlobDeleted',
            eventTime: new Date().toISOString(),
            id: randomUUID(),
            data: { api: 'DeleteBlob', blobType: 'BlockBlob', url: blob.url, sequencer: '0000000000000001' },
            dataVersion: '',
            metadataVersion: '1',
          }
          for (const name of triggered(scenario.app, 'eventGridTrigger', () => true))
            await invoke(name, logs, { string: JSON.stringify(event) })
        }
      }
      return [await settle({ via: input.kind })]
    },
  }
}

interface RpcHttpCookie {
  readonly name: string
  readonly value: string
  readonly path?: { readonly value?: string }
  readonly domain?: { readonly value?: string }
  readonly maxAge?: { readonly value?: number }
  readonly httpOnly?: { readonly value?: boolean }
  readonly secure?: { readonly value?: boolean }
  readonly sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone'
}

interface RpcHttpResponse {
  readonly statusCode: string
  readonly headers: Record<string, string>
  readonly cookies: readonly RpcHttpCookie[]
  readonly body?: { readonly bytes?: Uint8Array }
}

/** An RPC cookie of the worker's response as the Set-Cookie text the host sends. */
function cookieText(cookie: RpcHttpCookie): string {
  const sameSite = { lax: 'Lax', strict: 'Strict', explicitNone: 'None', none: undefined }[
    cookie.sameSite ?? 'none'
  ]
  return [
    `${cookie.name}=${cookie.value}`,
    ...(cookie.path?.value ? [`Path=${cookie.path.value}`] : []),
    ...(cookie.domain?.value ? [`Domain=${cookie.domain.value}`] : []),
    ...(cookie.maxAge?.value !== undefined ? [`Max-Age=${cookie.maxAge.value}`] : []),
    ...(cookie.httpOnly?.value ? ['HttpOnly'] : []),
    ...(cookie.secure?.value ? ['Secure'] : []),
    ...(sameSite ? [`SameSite=${sameSite}`] : []),
  ].join('; ')
}

/**
 * The Function App's identity endpoint and the app's Key Vault, as the platform and the vault's
 * REST API document them: a token for the vault or Event Grid from IDENTITY_ENDPOINT (checked
 * for its X-IDENTITY-HEADER), and the app's one secret to a request bearing that token. Their settings
 * go in the process's environment, where the app reads them.
 */
async function startVault() {
  const header = randomUUID()
  const token = randomUUID()
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const answer = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (url.pathname === '/identity')
      return request.headers['x-identity-header'] === header &&
        ['https://vault.azure.net', 'https://eventgrid.azure.net'].includes(
          url.searchParams.get('resource') ?? '',
        )
        ? answer(200, { access_token: token, expires_on: String(Math.floor(Date.now() / 1000) + 3600) })
        : answer(400, { error: 'bad identity request' })
    if (request.headers.authorization !== `Bearer ${token}`)
      return answer(401, { error: { code: 'Unauthorized' } })
    if (url.pathname === '/secrets/signing-key' && url.searchParams.get('api-version') === '7.4')
      return answer(200, { value: conformanceSecret, id: `http://127.0.0.1/secrets/signing-key/1` })
    return answer(404, { error: { code: 'SecretNotFound' } })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  Object.assign(process.env, {
    IDENTITY_ENDPOINT: `http://127.0.0.1:${port}/identity`,
    IDENTITY_HEADER: header,
    [keyVaultSetting]: `http://127.0.0.1:${port}/`,
  })
  return {
    token,
    stop: async () => {
      for (const name of ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', keyVaultSetting]) delete process.env[name]
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
