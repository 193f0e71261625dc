import { XfnError } from '../errors.js'
import type { HttpResult } from './types.js'

const resultKeys = new Set(['status', 'headers', 'body', 'json'])

/**
 * Turns what an HTTP handler returned into a `Response`. A malformed result is a bug in the
 * handler, reported with the function's name.
 *
 * @example
 * toResponse({ status: 201, json: { id: 1 } }, 'createItem')
 */
export function toResponse(result: unknown, functionName: string): Response {
  if (result instanceof Response) return result
  const fail = (why: string): never => {
    throw new XfnError('INVALID_OPTIONS', `function '${functionName}' returned ${why}.`)
  }
  if (result === undefined || result === null) return new Response(null, { status: 204 })
  if (typeof result !== 'object' || Array.isArray(result)) {
    return fail('a value that is neither a Response nor {status, headers, body | json}')
  }
  const plain = result as HttpResult
  for (const key of Object.keys(plain)) {
    if (!resultKeys.has(key)) fail(`an unknown key '${key}'; a result has status, headers, and body or json`)
  }
  const status = plain.status ?? 200
  if (!Number.isInteger(status) || status < 200 || status > 599)
    fail(`status ${String(status)}; use 200 to 599`)
  if (plain.body !== undefined && plain.json !== undefined) fail('both body and json; give one')
  const headers = new Headers()
  for (const [name, value] of Object.entries(plain.headers ?? {})) {
    for (const each of typeof value === 'string' ? [value] : value) headers.append(name, each)
  }
  let body: string | Uint8Array | null = plain.body ?? null
  if (plain.json !== undefined) {
    body = JSON.stringify(plain.json)
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  } else if (typeof body === 'string' && !headers.has('content-type')) {
    headers.set('content-type', 'text/plain; charset=utf-8')
  }
  const nullBody = status === 204 || status === 205 || status === 304
  return new Response(nullBody ? null : body, { status, headers })
}
