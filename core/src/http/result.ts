import { XfnError } from '../errors.js'
import type { HttpResult } from './types.js'

/** A handler's plain result after validation: a status, its headers, and a body of text or bytes. */
export interface PlainResult {
  readonly status: number
  readonly headers: Readonly<Record<string, string | readonly string[]>>
  readonly body: string | Uint8Array | null
}

const resultKeys = new Set(['status', 'headers', 'body', 'json'])
const jsonHeaders: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' })
const textHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/plain; charset=utf-8',
})

/**
 * Whether a handler's answer is a `Response`. A plain object, which every plain result is, never
 * is one, and is told apart without touching the global `Response`: on Node the first use of that
 * global loads the whole fetch implementation (some 20 ms of a cold start), which a handler that
 * never builds a `Response` should not pay.
 */
export function isResponse(value: unknown): value is Response {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  if (prototype === Object.prototype || prototype === null) return false
  return value instanceof Response
}

/**
 * Validates what an HTTP handler returned. A `Response` is passed through; a plain result becomes a
 * {@link PlainResult} without building a `Response`, so adapters can write the native result
 * directly. A malformed result is a bug in the handler, reported with the function's name.
 */
export function normalizeResult(result: unknown, functionName: string): Response | PlainResult {
  if (isResponse(result)) return result
  const fail = (why: string): never => {
    throw new XfnError('INVALID_OPTIONS', `function '${functionName}' returned ${why}.`)
  }
  if (result === undefined || result === null) return { status: 204, headers: {}, body: null }
  if (typeof result !== 'object' || Array.isArray(result)) {
    return fail('a value that is neither a Response nor {status, headers, body | json}')
  }
  const plain = result as HttpResult
  for (const key in plain) {
    if (!resultKeys.has(key)) fail(`an unknown key '${key}'; a result has status, headers, and body or json`)
  }
  const status = plain.status ?? 200
  if (!Number.isInteger(status) || status < 200 || status > 599)
    fail(`status ${String(status)}; use 200 to 599`)
  if (plain.body !== undefined && plain.json !== undefined) fail('both body and json; give one')
  const given = plain.headers
  if (given !== undefined) checkHeaders(given, fail)
  const nullBody = status === 204 || status === 205 || status === 304
  if (plain.json !== undefined) {
    const body = nullBody ? null : JSON.stringify(plain.json)
    return { status, headers: withDefaultType(given, jsonHeaders), body }
  }
  const body = nullBody ? null : (plain.body ?? null)
  if (typeof body === 'string') return { status, headers: withDefaultType(given, textHeaders), body }
  return { status, headers: given ?? {}, body }
}

/** A header name is an RFC 9110 token; a value holds no CR, LF or NUL (which would split or end the header). */
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const forbiddenInValue = /[\r\n\0]/

function checkHeaders(headers: NonNullable<HttpResult['headers']>, fail: (why: string) => never): void {
  if (typeof headers !== 'object' || headers === null)
    fail('headers that are not an object of names and values')
  for (const name in headers) {
    if (!headerName.test(name)) fail(`a header name ${JSON.stringify(name)} that HTTP forbids`)
    const value = headers[name]
    for (const each of typeof value === 'string' ? [value] : (value ?? [])) {
      if (typeof each === 'string' && forbiddenInValue.test(each))
        fail(`header '${name}' with a CR, LF or NUL character, which HTTP forbids in a header value`)
    }
  }
}

function withDefaultType(
  given: HttpResult['headers'],
  defaults: Readonly<Record<string, string>>,
): Readonly<Record<string, string | readonly string[]>> {
  if (given === undefined) return defaults
  for (const name in given) if (name.toLowerCase() === 'content-type') return given
  return { ...given, ...defaults }
}

/**
 * Turns what an HTTP handler returned into a `Response`.
 *
 * @example
 * toResponse({ status: 201, json: { id: 1 } }, 'createItem')
 */
export function toResponse(result: unknown, functionName: string): Response {
  const normalized = normalizeResult(result, functionName)
  if (isResponse(normalized)) return normalized
  const headers = new Headers()
  for (const [name, value] of Object.entries(normalized.headers)) {
    for (const each of typeof value === 'string' ? [value] : value) headers.append(name, each)
  }
  return new Response(normalized.body, { status: normalized.status, headers })
}

const failureResult = (status: number, error: string, invocationId: string): PlainResult => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error, invocationId }),
})

/** The answer when a handler failed because the cloud could not do what it asked (UNAVAILABLE): 503. */
export const unavailableResult = (invocationId: string) =>
  failureResult(503, 'Service Unavailable', invocationId)

/** The body every adapter answers with when a handler throws: generic, with no stack trace. */
export const internalErrorResult = (invocationId: string) =>
  failureResult(500, 'Internal Server Error', invocationId)
