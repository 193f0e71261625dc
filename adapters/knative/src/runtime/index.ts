import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  apiKeyHashSetting,
  apiKeyHeader,
  apiKeyMatches,
  callHttpHandler,
  createContext,
  createRouter,
  defaultRegistry,
  type FunctionDefinition,
  type HttpTrigger,
  headerOf,
  isResponse,
  LazyRequest,
  type PlainResult,
  type Registry,
  readRequestBody,
  requestHeaders,
  unauthorizedResult,
  unroutedResult,
  writePlain,
  writeResponse,
} from '@xfn/core'
import { knativeLogSink, platformLine, reportLine } from './log.js'
import { deadLetterPath, eventPath, isCloudEvent } from './paths.js'
import { installKnativeResources, running } from './resources.js'
import { readKnativeEnv } from './settings.js'
import { knativeStore } from './store.js'

/** The largest request body the entry takes, as the local cloud: Lambda's synchronous limit, the lowest of the clouds. */
const maxBodyBytes = 6 * 1024 * 1024

export interface KnativeServeOptions {
  readonly registry?: Registry
  /** The port; Knative sets PORT (8080 unless the container says otherwise). */
  readonly port?: number
  readonly env?: NodeJS.ProcessEnv
  /** Where log lines go: standard output, which the cluster keeps as the pod's log. */
  readonly write?: (line: string) => void
}

/**
 * The container's entry: one HTTP server for the functions this Knative Service runs. Requests to
 * the app's routes go through xfn's router (the portable 404 and 405 included); CloudEvents that a
 * Trigger or a PingSource delivers to `/_xfn/events/<function>` run that function. A handler that
 * fails answers 500, so the broker retries the event and, after the last attempt, sends it to the
 * dead-letter sink; a handler that succeeds answers 202 with no event, so nothing is sent back.
 */
export function serveKnative(options: KnativeServeOptions = {}): Promise<Server> {
  const registry = options.registry ?? defaultRegistry()
  const env = options.env ?? process.env
  const write = options.write ?? ((line: string) => process.stdout.write(line))
  const sink = knativeLogSink(write)
  const settings = readKnativeEnv(env)
  const store = knativeStore(settings)
  installKnativeResources(registry, env, store)
  const served = settings.functions
  const functions = [...registry.functions.values()].filter(
    (fn) => served.length === 0 || served.includes(fn.name),
  )
  const router = createRouter(functions.filter((fn) => fn.trigger.type === 'http'))
  const byPath = new Map(functions.map((fn) => [eventPath(fn.name), fn]))
  const deadLetterSinks = new Map(functions.map((fn) => [deadLetterPath(fn.name), fn]))
  const keyHash = env[apiKeyHashSetting] ?? ''
  const context = (fn: FunctionDefinition, invocationId: string) => {
    const deadline = Date.now() + fn.settings.timeoutSeconds * 1000
    return createContext({
      invocationId,
      functionName: fn.name,
      cloud: 'knative',
      remainingMs: () => deadline - Date.now(),
      sink,
    })
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    const path = url.split('?', 1)[0] as string
    const consumer = req.method === 'POST' ? byPath.get(path) : undefined
    const deadLetters = req.method === 'POST' ? deadLetterSinks.get(path) : undefined
    const handled =
      consumer && isCloudEvent(req.headers)
        ? serveEvent(consumer, req, res)
        : deadLetters && isCloudEvent(req.headers)
          ? keepDeadLetter(deadLetters, req, res)
          : serveRequest(req, res, url, path)
    // Whatever goes wrong costs this request only: it is answered 500, and the server goes on.
    handled.catch((error: unknown) => {
      write(
        platformLine({
          level: 'error',
          function: consumer?.name ?? '',
          invocationId: '',
          message: 'request failed',
          fields: { error: describeError(error) },
        }),
      )
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
      res.end()
    })
  })

  async function serveEvent(fn: FunctionDefinition, req: IncomingMessage, res: ServerResponse) {
    const body = await readRequestBody(req, maxBodyBytes)
    if (body === 'too-large') return writePlain(res, text(413, 'the event is larger than 6 MiB'), req.method)
    const started = performance.now()
    // The CloudEvents SDK loads with the first event, so a Service that only serves HTTP never loads it.
    const { consumeEvent } = await import('./events.js')
    const outcome = await running.run(fn.name, () =>
      consumeEvent(fn, req.headers, body, (id) => context(fn, id)),
    )
    const durationMs = Math.round((performance.now() - started) * 10) / 10
    write(reportLine(fn.name, outcome, durationMs))
    // 202 with no CloudEvent: the broker sends nothing on. A failure is retried by the broker; an
    // event that can never run (not a CloudEvent of this function's kind) is refused for good.
    writePlain(
      res,
      outcome.ok ? { status: 202, headers: {}, body: null } : text(outcome.retry ? 500 : 400, outcome.error),
      req.method,
    )
  }

  /**
   * An event the broker gave up on: its body and why, in the log, where `xfn logs` finds it, and
   * in the store's dead-letters bucket when the app has a store (a failure to keep it answers 500).
   */
  async function keepDeadLetter(fn: FunctionDefinition, req: IncomingMessage, res: ServerResponse) {
    const body = await readRequestBody(req, maxBodyBytes)
    if (body === 'too-large') return writePlain(res, text(413, 'the event is larger than 6 MiB'), req.method)
    const { deadLetterRecord } = await import('./events.js')
    const record = deadLetterRecord(fn.name, req.headers, body)
    write(platformLine(record.line))
    // Kept in the store when the app has one: a pod's log goes with the pod.
    if (settings.deadLettersBucket)
      await store.keep(settings.deadLettersBucket, record.key, JSON.stringify(record.kept))
    writePlain(res, { status: 202, headers: {}, body: null }, req.method)
  }

  async function serveRequest(req: IncomingMessage, res: ServerResponse, url: string, path: string) {
    const outcome = router(req.method ?? 'GET', path)
    if (outcome.status !== 'matched') {
      req.resume()
      return writePlain(res, unroutedResult(outcome), req.method)
    }
    const { fn, params } = outcome
    if (fn.trigger.auth === 'key' && !apiKeyMatches(headerOf(req, apiKeyHeader), keyHash)) {
      req.resume()
      return writePlain(res, unauthorizedResult(), req.method)
    }
    const body =
      req.method === 'GET' || req.method === 'HEAD' ? null : await readRequestBody(req, maxBodyBytes)
    if (body === 'too-large') return writePlain(res, text(413, 'Payload Too Large'), req.method)
    const request = new LazyRequest({
      method: req.method ?? 'GET',
      url: () => `http://${req.headers.host ?? 'localhost'}${url}`,
      headers: () => requestHeaders(req),
      body,
      bodyIsBase64: false,
      params,
    })
    const invocationId = headerOf(req, 'x-request-id') ?? crypto.randomUUID()
    const ctx = context(fn, invocationId)
    const started = performance.now()
    const report = (error?: string) =>
      write(
        reportLine(
          fn.name,
          error === undefined
            ? { ok: true, id: invocationId }
            : { ok: false, id: invocationId, retry: false, error },
          Math.round((performance.now() - started) * 10) / 10,
        ),
      )
    try {
      const result = await running.run(fn.name, () =>
        callHttpHandler(fn as FunctionDefinition<HttpTrigger>, request, ctx),
      )
      report(result.status >= 500 ? `status ${result.status}` : undefined)
      if (isResponse(result)) return await writeResponse(res, result, req.method)
      writePlain(res, result, req.method)
    } catch (error) {
      ctx.log.error('invocation failed', { error })
      report('the handler threw')
      writePlain(
        res,
        {
          status: 500,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ error: 'Internal Server Error', invocationId }),
        },
        req.method,
      )
    }
  }

  const port = options.port ?? Number(env.PORT ?? 8080)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, () => {
      const address = server.address() as AddressInfo
      const listening = `http://127.0.0.1:${address.port}`
      write(
        platformLine({
          level: 'info',
          function: '',
          invocationId: '',
          message: `listening on ${listening}`,
          listening,
        }),
      )
      resolve(server)
    })
  })
}

const text = (status: number, message: string): PlainResult => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body: message,
})

function describeError(error: unknown) {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : String(error)
}
