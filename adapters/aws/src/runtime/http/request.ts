import type { HttpApiEvent, RestEvent } from '../events.js'

/** Which native format an HTTP event came in, and so which format its result must take. */
export type HttpFormat = 'rest' | 'alb' | 'alb-multi' | 'v2'

/** Everything about an HTTP event the shim needs, read without building any object. */
export interface HttpEventView {
  readonly format: HttpFormat
  readonly method: string
  /** The path without the stage, as received. */
  readonly path: string
  readonly url: () => string
  readonly headers: () => Headers
  readonly body: string | null
  readonly bodyIsBase64: boolean
  /** The route's parameters, set once the path is matched; the view is then the request's parts. */
  params: Readonly<Record<string, string>>
}

const noParams: Readonly<Record<string, string>> = Object.freeze({})

/** Tells the HTTP event formats apart by shape; undefined for anything else. */
export function viewHttpEvent(event: unknown): HttpEventView | undefined {
  if (typeof event !== 'object' || event === null) return undefined
  const candidate = event as Partial<HttpApiEvent & RestEvent>
  if (candidate.version === '2.0' && typeof candidate.requestContext?.http?.method === 'string') {
    return viewV2(candidate as HttpApiEvent)
  }
  // A WebSocket API event may carry httpMethod too; it is no HTTP request (xfn has no WebSocket trigger).
  const { eventType, connectionId } = (candidate.requestContext ?? {}) as {
    eventType?: unknown
    connectionId?: unknown
  }
  if (eventType !== undefined || connectionId !== undefined) return undefined
  if (typeof candidate.httpMethod === 'string' && typeof candidate.path === 'string')
    return viewRest(candidate as RestEvent)
  return undefined
}

function viewV2(event: HttpApiEvent): HttpEventView {
  const { stage } = event.requestContext
  const stagePrefix = stage && stage !== '$default' ? `/${stage}` : ''
  const path = safePath(
    stagePrefix && (event.rawPath === stagePrefix || event.rawPath.startsWith(`${stagePrefix}/`))
      ? event.rawPath.slice(stagePrefix.length) || '/'
      : event.rawPath,
  )
  return {
    format: 'v2',
    method: event.requestContext.http.method,
    path,
    url: () => {
      const host = validHost(event.headers?.host ?? event.requestContext.domainName)
      const query = event.rawQueryString ? `?${event.rawQueryString}` : ''
      return `https://${host}${path}${query}`
    },
    headers: () => {
      const headers = new Headers()
      for (const name in event.headers ?? {}) {
        const value = event.headers?.[name]
        // Byte for byte: a repeated header arrives joined with ',' (where other front doors put
        // ', '), the same list; a single value may hold commas of its own (signatures, file names).
        if (value !== undefined) headers.append(name, value)
      }
      if (event.cookies && event.cookies.length > 0) headers.set('cookie', event.cookies.join('; '))
      return headers
    },
    body: event.body ?? null,
    bodyIsBase64: event.isBase64Encoded === true,
    params: noParams,
  }
}

function viewRest(event: RestEvent): HttpEventView {
  const isAlb = event.requestContext?.elb !== undefined
  const format: HttpFormat = isAlb ? (event.multiValueHeaders ? 'alb-multi' : 'alb') : 'rest'
  // A path is absolute; an event without the leading '/' (hand-made, or a proxy's) means the same path.
  const path = safePath(event.path.startsWith('/') ? event.path : `/${event.path}`)
  return {
    format,
    method: event.httpMethod,
    path,
    url: () => {
      const host = validHost(headerValue(event, 'host') ?? event.requestContext?.domainName)
      return `https://${host}${path}${restQuery(event, isAlb)}`
    },
    headers: () => {
      const headers = new Headers()
      if (event.multiValueHeaders) {
        for (const name in event.multiValueHeaders) {
          for (const value of event.multiValueHeaders[name] ?? []) headers.append(name, value)
        }
      } else {
        for (const name in event.headers ?? {}) {
          const value = event.headers?.[name]
          if (value !== undefined) headers.append(name, value)
        }
      }
      return headers
    },
    body: event.body ?? null,
    bodyIsBase64: event.isBase64Encoded === true,
    params: noParams,
  }
}

function headerValue(event: RestEvent, wanted: string): string | undefined {
  for (const source of [event.headers, event.multiValueHeaders]) {
    for (const name in source ?? {}) {
      if (name.toLowerCase() !== wanted) continue
      const value = source?.[name]
      return Array.isArray(value) ? value[0] : (value ?? undefined)
    }
  }
  return undefined
}

/**
 * The query of a REST or ALB event; repeated keys are kept. API Gateway hands the query over
 * decoded, so it is encoded again; a load balancer hands it over as the client sent it (AWS: "If
 * the query parameters are URL-encoded, the load balancer does not decode them"), so it is kept.
 */
function restQuery(event: RestEvent, asSent: boolean): string {
  const encode = asSent ? (text: string) => text : encodeURIComponent
  const pairs: string[] = []
  if (event.multiValueQueryStringParameters) {
    for (const key in event.multiValueQueryStringParameters) {
      for (const value of event.multiValueQueryStringParameters[key] ?? [])
        pairs.push(`${encode(key)}=${encode(value)}`)
    }
  } else {
    for (const key in event.queryStringParameters ?? {}) {
      const value = event.queryStringParameters?.[key]
      if (value !== undefined) pairs.push(`${encode(key)}=${encode(value)}`)
    }
  }
  return pairs.length > 0 ? `?${pairs.join('&')}` : ''
}

/** The host for the URL; a missing or malformed one (as in hand-made test events) becomes localhost. */
function validHost(host: string | undefined): string {
  return host && /^[A-Za-z0-9.-]+(?::\d+)?$/.test(host) ? host : 'localhost'
}

/**
 * The path as a valid encoded path. REST APIs, Function URLs and load balancers hand it over
 * encoded, as the client sent it; HTTP APIs decode it first (`rawPath` holds `/a b`, not `/a%20b`).
 * Escaping only what can never stand literally in an encoded path (a space or other control or
 * non-ASCII character, `#`, `?`, a `%` that starts no escape) leaves an encoded path byte for byte
 * and makes a decoded one safe, without knowing which front door sent it. (A decoded path that
 * holds `%` and two hex digits reads as that escape: the one ambiguity a decoded path leaves.)
 */
const unsafeInPath = /%(?![0-9A-Fa-f]{2})|[#?]|[^\x21-\x7e]/gu

function safePath(path: string): string {
  // One test on the common path (nothing to escape); the replace only when there is.
  unsafeInPath.lastIndex = 0
  return unsafeInPath.test(path)
    ? path.replace(unsafeInPath, (character) => encodeURIComponent(character))
    : path
}
