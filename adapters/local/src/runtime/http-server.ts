import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  apiKeyHeader,
  apiKeyMatches,
  callHttpHandler,
  type FunctionDefinition,
  type HttpTrigger,
  headerOf,
  isResponse,
  LazyRequest,
  type PlainResult,
  type RouteOutcome,
  readRequestBody,
  requestHeaders,
  unauthorizedResult,
  unroutedResult,
  writePlain,
  writeResponse,
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
  if (outcome.status !== 'matched') return writePlain(res, unroutedResult(outcome), req.method)
  const { fn, params } = outcome
  if (fn.trigger.auth === 'key' && !apiKeyMatches(headerOf(req, apiKeyHeader), app.apiKeyHash)) {
    req.resume()
    return writePlain(res, unauthorizedResult(), req.method)
  }
  const body = req.method === 'GET' || req.method === 'HEAD' ? null : await readBody(req)
  if (body === 'too-large') {
    return writePlain(
      res,
      json(413, { error: 'Payload Too Large', limit: `${maxBodyBytes} bytes` }),
      req.method,
    )
  }
  const request = new LazyRequest({
    method: req.method ?? 'GET',
    url: () => `http://${req.headers.host ?? 'localhost'}${url}`,
    headers: () => requestHeaders(req),
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
  if (isResponse(result)) return writeResponse(res, result, req.method)
  writePlain(res, result, req.method)
}

/** A request's body, up to {@link maxBodyBytes}; beyond that the rest is drained and 'too-large' returned. */
export const readBody = (req: IncomingMessage) => readRequestBody(req, maxBodyBytes)
