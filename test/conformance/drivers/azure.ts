import '../../../adapters/azure/src/runtime/__fixtures__/host.js'
import { randomUUID } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Cookie, HttpRequest, HttpResponse, InvocationContext } from '@azure/functions'
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob'
import { type QueueClient, QueueServiceClient } from '@azure/storage-queue'
import {
  apiKeyHashSetting,
  createRouter,
  type FunctionDefinition,
  type HttpTrigger,
  hashApiKey,
  parseRoute,
} from '@xfn/core'
import { startAzurite } from '../../../adapters/azure/src/runtime/__fixtures__/azurite.js'
import { registrations } from '../../../adapters/azure/src/runtime/__fixtures__/host.js'
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
 * loaded from its package.json `main` through the real @azure/functions library): HTTP requests
 * routed by the registered route templates, or to the app's catch-all; queue messages delivered
 * one at a time with the host's dequeueCount, retried up to host.json's maxDequeueCount, then
 * moved to the poison queue; blob and timer triggers with the host's inputs. Queues and blobs are
 * Azurite's, a real emulator, through the app's own AzureWebJobsStorage connection.
 */
export function azureDriver(): Driver {
  let azurite: Awaited<ReturnType<typeof startAzurite>> | undefined
  let results: ContainerClient
  let uploads: ContainerClient
  let jobs: QueueClient
  let maxDequeueCount = 5
  const poison: string[] = []
  let work = ''

  const registered = (name: string) => {
    const found = registrations.find((r) => r.metadata.name === name)
    if (!found) throw new Error(`no function '${name}' is registered`)
    return found
  }
  const invocation = (functionName: string, logs: Logs, triggerMetadata: Record<string, unknown> = {}) =>
    new InvocationContext({
      invocationId: randomUUID(),
      functionName,
      triggerMetadata,
      logHandler: (_level, ...args) => {
        const record = JSON.parse(String(args[0])) as { level: string; message: string; fields?: unknown }
        logs.push({
          level: record.level.toLowerCase(),
          message: record.message,
          ...(record.fields === undefined ? {} : { fields: record.fields }),
        })
      },
    })

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
  const deliver = async (body: string, logs: Logs) => {
    const { handler } = registered('work')
    let item: unknown = body
    try {
      item = JSON.parse(body)
    } catch {
      // Text stays text; JSON arrives parsed, as the worker hands it over.
    }
    const id = randomUUID()
    for (let dequeueCount = 1; ; dequeueCount++) {
      try {
        await handler(
          item,
          invocation('work', logs, { id, dequeueCount, insertionTime: new Date().toISOString() }),
        )
        return
      } catch {
        if (dequeueCount >= maxDequeueCount) {
          poison.push(body)
          return
        }
      }
    }
  }

  /** Delivers what the app itself sent to its queue, as the host would pick it up. */
  const pump = async (logs: Logs) => {
    for (;;) {
      const { receivedMessageItems } = await jobs.receiveMessages({ numberOfMessages: 32 })
      if (receivedMessageItems.length === 0) return
      for (const message of receivedMessageItems) {
        await jobs.deleteMessage(message.messageId, message.popReceipt)
        await deliver(Buffer.from(message.messageText, 'base64').toString('utf8'), logs)
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
        const folder = join(dir, '.xfn/build/azure/app')
        const host = JSON.parse(readFileSync(join(folder, 'host.json'), 'utf8')) as {
          extensions?: { queues?: { maxDequeueCount?: number } }
        }
        maxDequeueCount = host.extensions?.queues?.maxDequeueCount ?? maxDequeueCount
        const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { main: string }
        await import(pathToFileURL(join(folder, pkg.main)).href)
      }
      routeOf = route()
    },
    async stop() {
      await azurite?.stop()
      rmSync(work, { recursive: true, force: true })
    },
    async run(scenario) {
      const before = new Set(await resultNames())
      const poisonBefore = poison.length
      const logs: Logs = []
      const settle = async (base: Omit<Observed, 'results' | 'deadLettered' | 'logs'>) => {
        await pump(logs)
        return {
          ...base,
          results: await resultsAfter(before),
          deadLettered: poison.slice(poisonBefore),
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
        const request = new HttpRequest({
          method: input.method,
          url: `https://conformance.azurewebsites.net${pathWithQuery(input)}`,
          headers,
          ...(body === undefined ? {} : { body: { bytes: body } }),
        })
        const response = new HttpResponse(
          (await registered(name).handler(request, invocation(name, logs))) as ConstructorParameters<
            typeof HttpResponse
          >[0],
        )
        const responseHeaders: Record<string, string> = {}
        response.headers.forEach((value, header) => {
          if (header !== 'set-cookie') responseHeaders[header] = value
        })
        return [
          await settle({
            via: 'http',
            status: response.status,
            headers: responseHeaders,
            cookies: response.cookies.map((cookie) => normalCookie(cookieText(cookie))),
            body: new Uint8Array(await response.arrayBuffer()),
          }),
        ]
      }
      if (input.kind === 'queue') for (const body of input.bodies) await deliver(body, logs)
      if (input.kind === 'timer')
        await registered(input.function).handler(
          { isPastDue: false, scheduleStatus: {} },
          invocation(input.function, logs),
        )
      if (input.kind === 'blob') {
        const content = Buffer.from(input.body)
        await uploads.getBlockBlobClient(input.key).uploadData(content)
        const watcher = registrations.find((r) =>
          Object.values(r.metadata.bindings).some(
            (b) =>
              b.type === 'blobTrigger' &&
              input.key.startsWith(String(b.path).slice('uploads/'.length).replace('{name}', '')),
          ),
        )
        if (watcher)
          await watcher.handler(
            content,
            invocation(watcher.metadata.name, logs, {
              blobTrigger: `uploads/${input.key}`,
              uri: uploads.getBlobClient(input.key).url,
              properties: { length: content.byteLength, eTag: '"e"', lastModified: new Date().toISOString() },
            }),
          )
      }
      return [await settle({ via: input.kind })]
    },
  }
}

/** A cookie of @azure/functions as the Set-Cookie text the host would send. */
function cookieText(cookie: Cookie): string {
  return [
    `${cookie.name}=${cookie.value}`,
    ...(cookie.path ? [`Path=${cookie.path}`] : []),
    ...(cookie.domain ? [`Domain=${cookie.domain}`] : []),
    ...(cookie.maxAge !== undefined ? [`Max-Age=${cookie.maxAge}`] : []),
    ...(cookie.httpOnly ? ['HttpOnly'] : []),
    ...(cookie.secure ? ['Secure'] : []),
    ...(cookie.sameSite ? [`SameSite=${cookie.sameSite}`] : []),
  ].join('; ')
}
