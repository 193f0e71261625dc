import { createApp, hashApiKey } from '@xfn/core'
import { createTestHarness } from '@xfn/core/testing'
import { describe, expect, it } from 'vitest'
import {
  functionFor,
  type Observed,
  observeResponse,
  portableRequests,
  registerPortableHandlers,
} from '../../../../core/src/__fixtures__/portable-handlers.js'
import { lambdaContext, restEvent, v2Event } from './__fixtures__/events.js'
import type { NativeHttpResult } from './http/response.js'
import { lambdaHandler } from './index.js'

function portableApp() {
  const made = createApp()
  registerPortableHandlers(made)
  const lines: string[] = []
  const handlers = new Map(
    [...made.registry.functions.keys()].map((name) => [
      name,
      lambdaHandler(name, { registry: made.registry, write: (line) => lines.push(line) }),
    ]),
  )
  return { made, handlers, lines }
}

function observeNative(result: NativeHttpResult): Observed {
  const headers: Record<string, string[]> = {}
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = value.split(/,\s*/)
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name] = name === 'set-cookie' ? values : values.flatMap((v) => v.split(/,\s*/))
  }
  const cookies = result.cookies ?? headers['set-cookie'] ?? []
  delete headers['set-cookie']
  const body = result.isBase64Encoded
    ? Buffer.from(result.body, 'base64').toString('hex')
    : Buffer.from(result.body).toString('hex')
  return { status: result.statusCode, headers, cookies, body }
}

describe('one set of portable handlers, three event formats', () => {
  it.each(portableRequests)(
    '$method $path is observed alike from REST, HTTP API, Function URL and in-process',
    async (spec) => {
      const { made, handlers } = portableApp()
      const handler = handlers.get(functionFor(spec.method, spec.path, made))
      if (!handler) throw new Error('missing handler')
      const observed = await Promise.all(
        [restEvent(spec), v2Event(spec), v2Event(spec, 'function-url')].map(async (event) =>
          observeNative((await handler(event, lambdaContext('same-id'))) as NativeHttpResult),
        ),
      )
      expect(observed[1]).toEqual(observed[0])
      expect(observed[2]).toEqual(observed[0])

      const harness = createTestHarness({ registry: made.registry })
      const query = spec.query ? `?${new URLSearchParams(spec.query)}` : ''
      const local = await observeResponse(
        await harness.fetch(`${encodeURI(spec.path)}${query}`, {
          method: spec.method,
          ...(spec.body ? { body: spec.body } : {}),
        }),
      )
      if (local.status === 500) {
        // The generic body names the invocation, whose id differs in-process.
        expect(observed[0]?.status).toBe(500)
      } else {
        expect(local).toEqual(observed[0])
      }
    },
  )
})

describe('native results', () => {
  it('writes several cookies as v2 cookies and as REST multiValueHeaders', async () => {
    const { handlers } = portableApp()
    const handler = handlers.get('cookies')
    const v2 = (await handler?.(
      v2Event({ method: 'GET', path: '/cookies' }),
      lambdaContext(),
    )) as NativeHttpResult
    expect(v2.cookies).toEqual(['a=1; Path=/', 'b=2; HttpOnly'])
    expect(v2.headers?.['x-multi']).toBe('one, two')
    const rest = (await handler?.(
      restEvent({ method: 'GET', path: '/cookies' }),
      lambdaContext(),
    )) as NativeHttpResult
    expect(rest.multiValueHeaders?.['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly'])
    expect(rest.headers?.['content-type']).toBe('text/plain')
  })

  it('base64-encodes binary content types and leaves text as text', async () => {
    const { handlers } = portableApp()
    const binary = (await handlers.get('binary')?.(
      v2Event({ method: 'GET', path: '/binary' }),
      lambdaContext(),
    )) as NativeHttpResult
    expect(binary).toMatchObject({
      isBase64Encoded: true,
      body: Buffer.from([137, 80, 78, 71, 0, 255]).toString('base64'),
    })
    const text = (await handlers.get('text')?.(
      restEvent({ method: 'GET', path: '/text' }),
      lambdaContext(),
    )) as NativeHttpResult
    expect(text).toMatchObject({
      isBase64Encoded: false,
      body: 'héllo wörld',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    })
  })

  it('answers an ALB event with a status description in the mode of the event', async () => {
    const { handlers } = portableApp()
    const single = {
      ...restEvent({ method: 'GET', path: '/text' }),
      multiValueHeaders: undefined,
      requestContext: { elb: { targetGroupArn: 'arn' } },
    }
    const result = (await handlers.get('text')?.(single, lambdaContext())) as NativeHttpResult
    expect(result).toMatchObject({
      statusCode: 200,
      statusDescription: '200 OK',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    })
  })

  it('gives a generic 500 without the stack and logs the error with the request id', async () => {
    const { handlers, lines } = portableApp()
    const result = (await handlers.get('fails')?.(
      v2Event({ method: 'GET', path: '/fails' }),
      lambdaContext('req-500'),
    )) as NativeHttpResult
    expect(result.statusCode).toBe(500)
    expect(JSON.parse(result.body)).toEqual({ error: 'Internal Server Error', invocationId: 'req-500' })
    expect(result.body).not.toContain('secret')
    const logged = JSON.parse(lines[0] ?? '{}')
    expect(logged).toMatchObject({
      level: 'ERROR',
      requestId: 'req-500',
      message: 'handler failed',
      function: 'fails',
    })
    expect(logged.fields.error.message).toContain('secret database password')
  })

  it('lets a handler answer 400 for malformed JSON', async () => {
    const { handlers } = portableApp()
    const result = (await handlers.get('createItem')?.(
      v2Event({ method: 'POST', path: '/items/1', body: '{oops' }),
      lambdaContext(),
    )) as NativeHttpResult
    expect(result.statusCode).toBe(400)
  })

  it('answers 404 for a Function URL path outside the route', async () => {
    const { handlers } = portableApp()
    const result = (await handlers.get('text')?.(
      v2Event({ method: 'GET', path: '/other' }, 'function-url'),
      lambdaContext(),
    )) as NativeHttpResult
    expect(result.statusCode).toBe(404)
  })

  it('logs and throws on an event of unknown shape', async () => {
    const { handlers, lines } = portableApp()
    await expect(handlers.get('text')?.({ hello: 'world' }, lambdaContext())).rejects.toThrow(
      "function 'text' is triggered by http, but received an event of another shape (keys: hello)",
    )
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'ERROR', requestId: 'req-1' })
  })

  it('names a function the bundle lacks', async () => {
    const { made } = portableApp()
    await expect(lambdaHandler('ghost', { registry: made.registry })({}, lambdaContext())).rejects.toThrow(
      "the bundle has no function 'ghost'",
    )
  })
})

describe('keys', () => {
  it("checks x-api-key where the deployment sets the key's hash, and leaves it to API Gateway otherwise", async () => {
    const { handlers } = portableApp()
    const handler = handlers.get('secret')
    if (!handler) throw new Error('no secret handler')
    const call = async (key?: string) => {
      const event = v2Event({ method: 'GET', path: '/secret', headers: key ? [['x-api-key', key]] : [] })
      return ((await handler(event, lambdaContext())) as NativeHttpResult).statusCode
    }
    expect(await call()).toBe(200)
    process.env.XFN_API_KEY_SHA256 = hashApiKey('the-key')
    try {
      expect(await call()).toBe(401)
      expect(await call('nope')).toBe(401)
      expect(await call('the-key')).toBe(200)
    } finally {
      delete process.env.XFN_API_KEY_SHA256
    }
  })
})
