import { existsSync, readdirSync, readFileSync } from 'node:fs'
import type { LambdaContext } from '../events.js'

/** Real captured events, copied into the repository (see test/fixtures/captures/SOURCES.md). */
const captures = new URL('../../../../../test/fixtures/captures/aws/', import.meta.url).pathname

export function captureNames(): string[] {
  if (!existsSync(captures))
    throw new Error(`The AWS event captures are missing: expected them in ${captures}.`)
  return readdirSync(captures)
    .filter((name) => name.endsWith('.json'))
    .sort()
}

export function capture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(`${captures}${name}`, 'utf8')) as T
}

/** The corpus of events from further public sources, by file name (see SOURCES.md, aws-corpus/). */
const corpusFolder = new URL('../../../../../test/fixtures/captures/aws-corpus/', import.meta.url).pathname

export function corpusEvents(): [name: string, event: Record<string, unknown>][] {
  return readdirSync(corpusFolder)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => [name, JSON.parse(readFileSync(`${corpusFolder}${name}`, 'utf8'))])
}

export function lambdaContext(requestId = 'req-1', remainingMs = 3000): LambdaContext {
  return { awsRequestId: requestId, functionName: 'app-dev-fn', getRemainingTimeInMillis: () => remainingMs }
}

/** One request, described once, and written as each native HTTP event. */
export interface RequestSpec {
  method: string
  path: string
  query?: [string, string][]
  headers?: [string, string][]
  cookies?: string[]
  body?: string | Uint8Array
}

/** A path as a client sends it: each segment percent-encoded. */
const encodedPath = (path: string) => path.split('/').map(encodeURIComponent).join('/')

/** A REST API event: the path as the client sent it (encoded), the query decoded. */
export function restEvent(spec: RequestSpec) {
  const multiValueHeaders: Record<string, string[]> = {}
  for (const [name, value] of spec.headers ?? [])
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value]
  if (spec.cookies?.length) multiValueHeaders.Cookie = [spec.cookies.join('; ')]
  const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([n, v]) => [n, v.at(-1)]))
  const multiValueQueryStringParameters: Record<string, string[]> = {}
  for (const [key, value] of spec.query ?? []) {
    multiValueQueryStringParameters[key] = [...(multiValueQueryStringParameters[key] ?? []), value]
  }
  const binary = spec.body instanceof Uint8Array
  return {
    resource: '/{proxy+}',
    path: encodedPath(spec.path),
    httpMethod: spec.method,
    headers: spec.headers?.length || spec.cookies?.length ? headers : null,
    multiValueHeaders: spec.headers?.length || spec.cookies?.length ? multiValueHeaders : null,
    queryStringParameters: spec.query?.length
      ? Object.fromEntries(Object.entries(multiValueQueryStringParameters).map(([k, v]) => [k, v.at(-1)]))
      : null,
    multiValueQueryStringParameters: spec.query?.length ? multiValueQueryStringParameters : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      stage: 'prod',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      requestId: 'r',
    },
    body:
      spec.body === undefined
        ? null
        : binary
          ? Buffer.from(spec.body as Uint8Array).toString('base64')
          : spec.body,
    isBase64Encoded: binary,
  }
}

/**
 * An HTTP API or Function URL event (payload 2.0): an HTTP API hands over the path decoded, a
 * Function URL as the client sent it (as live captures show); the query as sent.
 */
export function v2Event(spec: RequestSpec, kind: 'http-api' | 'function-url' = 'http-api') {
  const headers: Record<string, string> = {}
  for (const [name, value] of spec.headers ?? []) {
    const lower = name.toLowerCase()
    headers[lower] = headers[lower] === undefined ? value : `${headers[lower]},${value}`
  }
  const binary = spec.body instanceof Uint8Array
  const rawQueryString = (spec.query ?? [])
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&')
  const domainName =
    kind === 'http-api' ? 'abc123.execute-api.eu-west-1.amazonaws.com' : 'xyz.lambda-url.eu-west-1.on.aws'
  return {
    version: '2.0',
    routeKey: kind === 'http-api' ? `${spec.method} /{proxy+}` : '$default',
    rawPath: kind === 'http-api' ? spec.path : encodedPath(spec.path),
    rawQueryString,
    ...(spec.cookies?.length ? { cookies: spec.cookies } : {}),
    headers,
    requestContext: {
      domainName,
      http: {
        method: spec.method,
        path: spec.path,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'test',
      },
      requestId: 'r',
      ...(kind === 'http-api' ? { stage: '$default', routeKey: `${spec.method} /{proxy+}` } : {}),
    },
    ...(spec.body === undefined
      ? {}
      : { body: binary ? Buffer.from(spec.body as Uint8Array).toString('base64') : spec.body }),
    isBase64Encoded: binary,
  }
}

/**
 * An Application Load Balancer event, as AWS documents it: the path and the query as the client
 * sent them (not decoded), header names in lower case, the cookies in the cookie header; with
 * `multi`, multi-value headers and query (else the last value of each).
 */
export function albEvent(spec: RequestSpec, multi: boolean) {
  const headers: [string, string][] = (spec.headers ?? []).map(([name, value]) => [name.toLowerCase(), value])
  if (spec.cookies?.length) headers.push(['cookie', spec.cookies.join('; ')])
  const query = (spec.query ?? []).map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)] as const)
  const group = <T>(pairs: readonly (readonly [string, T])[]) => {
    const grouped: Record<string, T[]> = {}
    for (const [key, value] of pairs) grouped[key] = [...(grouped[key] ?? []), value]
    return grouped
  }
  const last = <T>(grouped: Record<string, T[]>) =>
    Object.fromEntries(Object.entries(grouped).map(([key, values]) => [key, values.at(-1)]))
  const binary = spec.body instanceof Uint8Array
  return {
    requestContext: {
      elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/1' },
    },
    httpMethod: spec.method,
    path: encodedPath(spec.path),
    ...(multi
      ? { multiValueQueryStringParameters: group(query), multiValueHeaders: group(headers) }
      : { queryStringParameters: last(group(query)), headers: last(group(headers)) }),
    body:
      spec.body === undefined
        ? ''
        : binary
          ? Buffer.from(spec.body as Uint8Array).toString('base64')
          : spec.body,
    isBase64Encoded: binary,
  }
}
