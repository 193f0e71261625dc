import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  apiKeyHeader,
  apiKeyMatches,
  callHttpHandler,
  type FunctionDefinition,
  type HttpTrigger,
  isResponse,
  LazyRequest,
  type PlainResult,
  type RouteOutcome,
  unauthorizedResult,
  unroutedResult,
} from '@xfn/core'
import type { Telemetry } from '../observe/telemetry.js'
import { InvocationTimeout, runInvocation } from './invoke.js'

/** The largest request body the local cloud takes: Lambda's limit for a synchronous call, the lowest of the clouds. */
export const maxBodyBytes = 6 * 1024 * 1024

export interface HttpApp {
  readonly route: (method: string, path: string) => RouteOutcome
  /** The SHA-256 of the app's key, for functions with `auth: 'key'`. */
  readonly apiKeyHash: string
  readonly telemetry: Telemetry
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): PlainResult => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

/** Serves one request to the app: routing, the key, the body limit, the handler and its timeout. */
export async function serveHttp(app: HttpApp, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/'
  const query = url.indexOf('?')
  const path = query < 0 ? url : url.slice(0, query)
  const outcome = app.route(req.method ?? 'GET', path)
  if (outcome.status !== 'matched') return writePlain(res, unroutedResult(outcome), req)
  const { fn, params } = outcome
  if (fn.trigger.auth === 'key' && !apiKeyMatches(headerValue(req, apiKeyHeader), app.apiKeyHash)) {
    req.resume()
    return writePlain(res, unauthorizedResult(), req)
  }
  const body = req.method === 'GET' || req.method === 'HEAD' ? null : await readBody(req)
  if (body === 'too-large') {
    return writePlain(res, json(413, { error: 'Payload Too Large', limit: `${maxBodyBytes} bytes` }), req)
  }
  const request = new LazyRequest({
    method: req.method ?? 'GET',
    url: () => `http://${req.headers.host ?? 'localhost'}${url}`,
    headers: () => headersOf(req),
    body,
    bodyIsBase64: false,
    params,
  })
  let result: Response | PlainResult
  try {
    result = await runInvocation(
      app.telemetry,
      fn as FunctionDefinition<HttpTrigger>,
      (context) => callHttpHandler(fn, request, context),
      (answer) => answer.status >= 500,
    )
  } catch (error) {
    result =
      error instanceof InvocationTimeout
        ? json(504, {
            error: 'Gateway Timeout',
            hint: `the function ran past its ${fn.settings.timeoutSeconds} s timeout`,
          })
        : json(500, { error: 'Internal Server Error' })
  }
  if (isResponse(result)) return writeResponse(res, result, req)
  writePlain(res, result, req)
}

function writePlain(res: ServerResponse, result: PlainResult, req: IncomingMessage): void {
  const headers: Record<string, string | string[]> = {}
  for (const name in result.headers) {
    const value = result.headers[name]
    headers[name] = typeof value === 'string' ? value : [...(value ?? [])]
  }
  res.writeHead(result.status, headers)
  res.end(req.method === 'HEAD' ? undefined : (result.body ?? undefined))
}

async function writeResponse(res: ServerResponse, response: Response, req: IncomingMessage): Promise<void> {
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  res.writeHead(response.status, headers)
  if (!response.body || req.method === 'HEAD') return void res.end()
  res.end(new Uint8Array(await response.arrayBuffer()))
}

/** A request's body, up to {@link maxBodyBytes}; beyond that the rest is drained and 'too-large' returned. */
export function readBody(req: IncomingMessage): Promise<Uint8Array | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > maxBodyBytes) {
      req.resume()
      return resolve('too-large')
    }
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBodyBytes) tooLarge = true
      else chunks.push(chunk)
    })
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name]
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null)
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers()
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string)
  return headers
}
