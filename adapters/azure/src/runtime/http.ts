import type {
  HttpRequest as AzureRequest,
  Cookie,
  HttpResponseInit,
  InvocationContext,
} from '@azure/functions'
import {
  apiKeyHashSetting,
  apiKeyHeader,
  apiKeyMatches,
  type Context,
  callHttpHandler,
  type FunctionDefinition,
  type HttpTrigger,
  internalErrorResult,
  isResponse,
  LazyRequest,
  matchRoute,
  type PlainResult,
  unauthorizedResult,
} from '@xfn/core'
import { parseSetCookie } from './cookies.js'

/** Checks a request to an `auth: 'key'` function: the answer that refuses it, or undefined. */
export type KeyCheck = (
  request: AzureRequest,
  invocation: InvocationContext,
  context: Context,
) => HttpResponseInit | undefined

/**
 * The app's key in x-api-key, checked against the hash in the app settings; without that setting
 * every request is refused, since no key can be checked.
 */
export const checkApiKey: KeyCheck = (request, invocation, context) => {
  const expected = process.env[apiKeyHashSetting]
  if (!expected) {
    context.log.error(
      `the app setting ${apiKeyHashSetting} is missing, so no key can be checked; redeploy the app`,
    )
    return toResponseInit(internalErrorResult(invocation.invocationId))
  }
  return apiKeyMatches(request.headers.get(apiKeyHeader), expected)
    ? undefined
    : toResponseInit(unauthorizedResult())
}

/**
 * One HTTP invocation: the host's request wrapped (not copied) as a `Request` with the route's
 * parameters, the handler called, and its result written as `HttpResponseInit`. `checkKey` is
 * given for `auth: 'key'` functions.
 */
export function handleHttp(
  fn: FunctionDefinition<HttpTrigger>,
  request: AzureRequest,
  invocation: InvocationContext,
  context: Context,
  checkKey?: KeyCheck,
): Promise<HttpResponseInit> {
  const refused = checkKey?.(request, invocation, context)
  if (refused) return Promise.resolve(refused)
  const url = request.url
  const params = matchRoute(fn.trigger.route, pathOf(url)) ?? { ...request.params }
  const lazy = new LazyRequest({
    method: request.method,
    url: () => url,
    headers: () => request.headers,
    body: request.body === null ? null : async () => new Uint8Array(await request.arrayBuffer()),
    bodyIsBase64: false,
    params,
  })
  return Promise.resolve(
    callHttpHandler(fn, lazy, context, (result) =>
      isResponse(result) ? responseToInit(result) : toResponseInit(result),
    ),
  )
}

/** The path of an absolute URL, without parsing all of it. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start < 0) return '/'
  const end = url.search(/[?#]/)
  return url.slice(start, end < 0 ? undefined : end)
}

/** Writes a plain result for the host: headers (repeated values joined), cookies as objects. */
export function toResponseInit(result: PlainResult): HttpResponseInit {
  const headers: Record<string, string> = {}
  const cookies: Cookie[] = []
  for (const name in result.headers) {
    const value = result.headers[name]
    const values = typeof value === 'string' ? [value] : (value ?? [])
    const lower = name.toLowerCase()
    if (lower === 'set-cookie') cookies.push(...values.map(parseSetCookie))
    else
      headers[lower] =
        headers[lower] === undefined ? values.join(', ') : `${headers[lower]}, ${values.join(', ')}`
  }
  return {
    status: result.status,
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    ...(result.body === null ? {} : { body: result.body }),
  }
}

async function responseToInit(response: Response): Promise<HttpResponseInit> {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const cookies = response.headers.getSetCookie().map(parseSetCookie)
  const body = response.body ? new Uint8Array(await response.arrayBuffer()) : undefined
  return {
    status: response.status,
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    ...(body === undefined ? {} : { body }),
  }
}

/** The Azure route template of a portable route: no leading slash; the root needs an empty optional parameter. */
export function azureRoute(template: string): string {
  return template === '/' ? '{xfnroot:maxlength(0)?}' : template.slice(1)
}
