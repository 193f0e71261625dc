import type { PlainResult } from '@xfn/core'
import type { HttpFormat } from './request.js'

/** The result Lambda hands back to API Gateway, ALB or a Function URL. */
export interface NativeHttpResult {
  statusCode: number
  statusDescription?: string
  headers?: Record<string, string>
  multiValueHeaders?: Record<string, string[]>
  cookies?: string[]
  body: string
  isBase64Encoded: boolean
}

const textual =
  /^(?:text\/|application\/(?:json|javascript|xml|x-www-form-urlencoded|graphql)|[^;]*\+(?:json|xml)\b)|charset=/i

/** Writes a plain result in the native format, with no `Response` in between. */
export function plainToNative(result: PlainResult, format: HttpFormat): NativeHttpResult {
  const names: string[] = []
  const values: string[] = []
  let contentType = ''
  for (const name in result.headers) {
    const value = result.headers[name]
    const lower = name.toLowerCase()
    if (typeof value === 'string') {
      names.push(lower)
      values.push(value)
      if (lower === 'content-type') contentType = value
    } else {
      for (const each of value ?? []) {
        names.push(lower)
        values.push(each)
      }
    }
  }
  const { body } = result
  if (body === null) return nativeResult(result.status, names, values, '', false, format)
  if (typeof body === 'string') return nativeResult(result.status, names, values, body, false, format)
  const asText = textual.test(contentType)
  return nativeResult(
    result.status,
    names,
    values,
    Buffer.from(body).toString(asText ? 'utf8' : 'base64'),
    !asText,
    format,
  )
}

/** Reads a `Response` and writes it in the native format. */
export async function responseToNative(response: Response, format: HttpFormat): Promise<NativeHttpResult> {
  const names: string[] = []
  const values: string[] = []
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return
    names.push(name)
    values.push(value)
  })
  for (const cookie of response.headers.getSetCookie()) {
    names.push('set-cookie')
    values.push(cookie)
  }
  const bytes = response.body ? Buffer.from(await response.arrayBuffer()) : undefined
  const asText = textual.test(response.headers.get('content-type') ?? '')
  const body = bytes ? bytes.toString(asText ? 'utf8' : 'base64') : ''
  return nativeResult(response.status, names, values, body, bytes !== undefined && !asText, format)
}

function nativeResult(
  statusCode: number,
  names: string[],
  values: string[],
  body: string,
  isBase64Encoded: boolean,
  format: HttpFormat,
): NativeHttpResult {
  if (format === 'v2') {
    const headers: Record<string, string> = {}
    const cookies: string[] = []
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string
      const value = values[i] as string
      if (name === 'set-cookie') cookies.push(value)
      else headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
    }
    return cookies.length > 0
      ? { statusCode, headers, cookies, body, isBase64Encoded }
      : { statusCode, headers, body, isBase64Encoded }
  }
  const multi: Record<string, string[]> = {}
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string
    multi[name] = [...(multi[name] ?? []), values[i] as string]
  }
  const headers: Record<string, string> = {}
  const multiValueHeaders: Record<string, string[]> = {}
  let repeated = false
  for (const name in multi) {
    const list = multi[name] as string[]
    if (list.length === 1) headers[name] = list[0] as string
    else repeated = true
    multiValueHeaders[name] = list
  }
  if (format === 'alb' || format === 'alb-multi') {
    // node:http only for load balancers, and only then: loading it costs a cold start some 4 ms.
    const { STATUS_CODES } = process.getBuiltinModule('node:http')
    const statusDescription = `${statusCode} ${STATUS_CODES[statusCode] ?? ''}`.trim()
    // ALB answers in the mode the target group is in: single or multiple values per header.
    return format === 'alb-multi'
      ? { statusCode, statusDescription, multiValueHeaders, body, isBase64Encoded }
      : { statusCode, statusDescription, headers: lastValues(multi), body, isBase64Encoded }
  }
  return repeated
    ? { statusCode, headers, multiValueHeaders, body, isBase64Encoded }
    : { statusCode, headers, body, isBase64Encoded }
}

function lastValues(multi: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name in multi) out[name] = (multi[name] as string[]).at(-1) as string
  return out
}
