import { createApp, type HttpRequest } from '@xfn/core'
import { describe, expect, it } from 'vitest'
import {
  albEvent,
  capture,
  captureNames,
  lambdaContext,
  type RequestSpec,
  restEvent,
  v2Event,
} from './__fixtures__/events.js'
import type { NativeHttpResult } from './http/response.js'
import { lambdaHandler } from './index.js'

/** The parts of a captured HTTP event this test reads. */
interface Captured {
  version?: string
  httpMethod: string
  path: string
  rawPath: string
  rawQueryString?: string
  body?: string | null
  isBase64Encoded?: boolean
  cookies?: string[]
  headers?: Record<string, string> | null
  multiValueQueryStringParameters?: Record<string, string[]> | null
  requestContext: { http: { method: string } }
}

type Echo = {
  method: string
  url: string
  headers: [string, string][]
  body: string
  params: Record<string, string>
}

/** A catch-all function that tells back what it was given. */
function echoApp() {
  const made = createApp()
  const lines: string[] = []
  made.app.http(
    'echo',
    { route: '/{*path}', method: ['GET', 'POST', 'PUT', 'DELETE'] },
    async (request: HttpRequest) => ({
      json: {
        method: request.method,
        url: request.url,
        headers: [...request.headers],
        body: await request.text(),
        params: request.params,
      } satisfies Echo,
    }),
  )
  return {
    handler: lambdaHandler('echo', { registry: made.registry, write: (line) => lines.push(line) }),
    lines,
  }
}

/** What the echo function was given for an event. */
async function echoOf(event: unknown): Promise<Echo> {
  const { handler } = echoApp()
  return JSON.parse(((await handler(event, lambdaContext())) as NativeHttpResult).body) as Echo
}

const httpCaptures = captureNames().filter((name) => {
  const event = capture(name)
  return 'httpMethod' in event || event.version === '2.0'
})

describe('HTTP captures, unchanged', () => {
  it('covers every REST, HTTP API, Function URL and ALB capture', () => {
    expect(httpCaptures.length).toBeGreaterThanOrEqual(18)
  })

  it.each(httpCaptures)('%s becomes the request it describes', async (name) => {
    const event = capture<Captured>(name)
    const { handler } = echoApp()
    const result = (await handler(event, lambdaContext())) as NativeHttpResult
    expect(result.statusCode).toBe(200)
    expect(result.isBase64Encoded).toBe(false)
    const echo = JSON.parse(result.body) as Echo
    const url = new URL(echo.url)
    const isV2 = event.version === '2.0'
    expect(echo.method).toBe(isV2 ? event.requestContext.http.method : event.httpMethod)
    expect(decodeURIComponent(url.pathname)).toBe(isV2 ? event.rawPath : event.path)
    expect(echo.params.path).toBe((isV2 ? event.rawPath : event.path).replace(/^\//, ''))
    if (isV2) {
      expect(url.search.replace(/^\?/, '')).toBe(event.rawQueryString ?? '')
      const cookie = new Map(echo.headers).get('cookie')
      expect(cookie).toBe(event.cookies?.join('; ') ?? event.headers?.cookie)
    } else {
      const query = event.multiValueQueryStringParameters ?? {}
      for (const [key, values] of Object.entries(query)) expect(url.searchParams.getAll(key)).toEqual(values)
    }
    const raw = event.body ?? ''
    expect(echo.body).toBe(event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw)
  })

  it('keeps the host and the stage-less path of a REST capture', async () => {
    const { handler } = echoApp()
    const event = capture('powertools__apigw-rest-no-auth.json')
    const echo = JSON.parse(((await handler(event, lambdaContext())) as NativeHttpResult).body) as Echo
    expect(echo.url).toMatch(/^https:\/\/[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com\/no-auth$/)
  })

  it('keeps repeated query keys and v2 cookies of an HTTP API capture', async () => {
    const { handler } = echoApp()
    const echo = JSON.parse(
      (
        (await handler(
          capture('aws-lambda-go__apigw-v2-request-jwt-authorizer.json'),
          lambdaContext(),
        )) as NativeHttpResult
      ).body,
    ) as Echo
    expect(new URL(echo.url).searchParams.getAll('parameter1')).toEqual(['value1', 'value2'])
    expect(new Map(echo.headers).get('cookie')).toBe('cookie1; cookie2')
  })
})

describe('derived variants', () => {
  const cases: [string, RequestSpec][] = [
    ['absent parts', { method: 'GET', path: '/x' }],
    [
      'repeated headers',
      {
        method: 'GET',
        path: '/x',
        headers: [
          ['X-Tag', 'a'],
          ['X-Tag', 'b'],
          ['Accept', 'text/plain'],
        ],
      },
    ],
    [
      'repeated query keys',
      {
        method: 'GET',
        path: '/x',
        query: [
          ['k', '1'],
          ['k', '2'],
          ['q', 'a b&c'],
        ],
      },
    ],
    ['several cookies', { method: 'GET', path: '/x', cookies: ['a=1', 'b=2', 'c=3'] }],
    ['a unicode path', { method: 'GET', path: '/files/naïve/日本.txt' }],
    ['a path with a space', { method: 'GET', path: '/files/red flower.jpg' }],
    // HTTP API hands these over decoded; a '#' or a bare '%' must not cut the path or be decoded twice.
    ['a path with # and %', { method: 'GET', path: '/files/100% red#1.txt', query: [['k', 'v']] }],
    ['a path with a plus sign', { method: 'GET', path: '/files/a+b.txt' }],
    [
      'query values that need encoding',
      {
        method: 'GET',
        path: '/search',
        query: [
          ['redirect', 'https://example.com/a/b?x=1&y=2'],
          ['plus', 'a+b c'],
          ['naïve', '日本'],
        ],
      },
    ],
    [
      'a header with commas of its own',
      { method: 'POST', path: '/hook', headers: [['Stripe-Signature', 't=1,v1=ab,v0=cd']], body: '{}' },
    ],
    [
      'a JSON body',
      { method: 'POST', path: '/items/7', headers: [['content-type', 'application/json']], body: '{"a":1}' },
    ],
  ]

  /** Whether the case repeats a header or a query key, which a single-value ALB event keeps only the last of. */
  const repeats = (spec: RequestSpec) =>
    [spec.headers ?? [], spec.query ?? []].some(
      (pairs) => new Set(pairs.map(([k]) => k.toLowerCase())).size < pairs.length,
    )

  it.each(cases)(
    '%s read the same from REST, HTTP API, Function URL and ALB events',
    async (_title, spec) => {
      const { handler } = echoApp()
      const events = [restEvent(spec), v2Event(spec), v2Event(spec, 'function-url'), albEvent(spec, true)]
      if (!repeats(spec)) events.push(albEvent(spec, false))
      const echoes = await Promise.all(
        events.map(async (event) => {
          const echo = JSON.parse(((await handler(event, lambdaContext())) as NativeHttpResult).body) as Echo
          const url = new URL(echo.url)
          const headers = new Headers(echo.headers)
          return {
            method: echo.method,
            path: decodeURIComponent(url.pathname),
            query: [...url.searchParams],
            // HTTP API joins repeated values with ',', Headers with ', ': the same list either way.
            tags: headers.get('x-tag')?.split(/,\s*/),
            signature: headers.get('stripe-signature'),
            cookie: headers.get('cookie'),
            body: echo.body,
            params: echo.params,
          }
        }),
      )
      expect(echoes[0]?.path).toBe(spec.path)
      expect(echoes[0]?.query).toEqual(spec.query ?? [])
      expect(echoes[0]?.params.path).toBe(spec.path.slice(1))
      for (const echo of echoes.slice(1)) expect(echo).toEqual(echoes[0])
    },
  )

  it('reads a binary body byte for byte', async () => {
    const made = createApp()
    made.app.http('upload', { route: '/upload', method: 'PUT' }, async (request) => {
      const bytes = new Uint8Array(await request.arrayBuffer())
      return { json: { length: bytes.length, first: bytes[0], last: bytes.at(-1) } }
    })
    const handler = lambdaHandler('upload', { registry: made.registry, write: () => undefined })
    const body = new Uint8Array([0, 255, 128, 10, 13, 0, 7])
    for (const event of [
      restEvent({ method: 'PUT', path: '/upload', body }),
      v2Event({ method: 'PUT', path: '/upload', body }),
      v2Event({ method: 'PUT', path: '/upload', body }, 'function-url'),
      albEvent({ method: 'PUT', path: '/upload', body }, true),
      albEvent({ method: 'PUT', path: '/upload', body }, false),
    ]) {
      const result = (await handler(event, lambdaContext())) as NativeHttpResult
      expect(JSON.parse(result.body)).toEqual({ length: 7, first: 0, last: 7 })
    }
  })
})

describe('requests the deployed API hands over without a function for them', () => {
  it('answers a method the path does not take with 405 and Allow, and an unknown path with 404', async () => {
    const made = createApp()
    made.app.http('list', { route: '/orders' }, () => ({ json: [] }))
    made.app.http('create', { route: '/orders', method: 'POST' }, () => ({ status: 201 }))
    const handler = lambdaHandler('list', { registry: made.registry, write: () => undefined })
    for (const format of ['rest', 'http-api', 'function-url'] as const) {
      const event = (spec: RequestSpec) => (format === 'rest' ? restEvent(spec) : v2Event(spec, format))
      const wrong = (await handler(
        event({ method: 'DELETE', path: '/orders' }),
        lambdaContext(),
      )) as NativeHttpResult
      expect(wrong.statusCode, format).toBe(405)
      expect(JSON.stringify(wrong), format).toContain('GET, POST')
      expect(wrong.body, format).toBe('{"error":"Method Not Allowed"}')
      const head = (await handler(
        event({ method: 'HEAD', path: '/orders' }),
        lambdaContext(),
      )) as NativeHttpResult
      expect(head.statusCode, format).toBe(200)
      const unknown = (await handler(
        event({ method: 'GET', path: '/nowhere' }),
        lambdaContext(),
      )) as NativeHttpResult
      expect([unknown.statusCode, unknown.body], format).toEqual([404, '{"error":"Not Found"}'])
    }
  })
})

describe('what the client sent, as it sent it', () => {
  it('hands over a header value with commas of its own byte for byte, from every front door', async () => {
    const signature =
      't=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39'
    const disposition = 'attachment; filename="a,b.txt"'
    const spec: RequestSpec = {
      method: 'POST',
      path: '/webhook',
      headers: [
        ['stripe-signature', signature],
        ['content-disposition', disposition],
        ['x-json', '{"a":1,"b":[2,3]}'],
      ],
      body: '{}',
    }
    for (const event of [restEvent(spec), v2Event(spec), v2Event(spec, 'function-url')]) {
      const headers = new Map((await echoOf(event)).headers)
      expect(headers.get('stripe-signature')).toBe(signature)
      expect(headers.get('content-disposition')).toBe(disposition)
      expect(headers.get('x-json')).toBe('{"a":1,"b":[2,3]}')
    }
  })

  it('reads one client query the same through API Gateway (decoded) and a load balancer (as sent)', async () => {
    // The client asked for /search?redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&literalPlus=a+b&k=1&k=2
    const alb = capture<Record<string, unknown>>('aws-lambda-go__alb-lambda-target-request-headers-only.json')
    const albEvent = (query: Record<string, unknown>) => ({ ...alb, path: '/search', ...query })
    const asSent = {
      queryStringParameters: { redirect: 'https%3A%2F%2Fexample.com%2Fa%2Fb', literalPlus: 'a+b', k: '2' },
    }
    const asSentMulti = {
      multiValueHeaders: { host: ['alb.example.com'] },
      headers: undefined,
      multiValueQueryStringParameters: {
        redirect: ['https%3A%2F%2Fexample.com%2Fa%2Fb'],
        literalPlus: ['a+b'],
        k: ['1', '2'],
      },
    }
    const decoded: RequestSpec = {
      method: 'GET',
      path: '/search',
      query: [
        ['redirect', 'https://example.com/a/b'],
        ['literalPlus', 'a b'],
        ['k', '1'],
        ['k', '2'],
      ],
    }
    const queryOf = async (event: unknown) => [...new URL((await echoOf(event)).url).searchParams]
    const expected = decoded.query
    expect(await queryOf(restEvent(decoded))).toEqual(expected)
    expect(await queryOf(v2Event(decoded))).toEqual(expected)
    expect(await queryOf(albEvent(asSentMulti))).toEqual(expected)
    // Single-value ALB events keep the last value of a repeated key.
    expect(await queryOf(albEvent(asSent))).toEqual([expected?.[0], expected?.[1], ['k', '2']])
  })
})

describe('events at the edge of the HTTP formats', () => {
  it('reads a REST path given without its leading slash as the same path', async () => {
    const event = { ...restEvent({ method: 'GET', path: '/files/a.txt' }), path: 'files/a.txt' }
    const echo = await echoOf(event)
    expect(new URL(echo.url).pathname).toBe('/files/a.txt')
    expect(echo.params.path).toBe('files/a.txt')
  })

  it('refuses a WebSocket API event, though it carries an HTTP method', async () => {
    const { handler } = echoApp()
    const event = {
      ...restEvent({ method: 'GET', path: '/' }),
      requestContext: { eventType: 'CONNECT', connectionId: 'abc=', routeKey: '$connect', stage: 'prod' },
    }
    await expect(handler(event, lambdaContext())).rejects.toThrow('received an event of another shape')
  })
})
