import { describe, expect, it } from 'vitest'
import { LazyRequest, type RequestParts } from './lazy-request.js'

function parts(body: RequestParts['body'], bodyIsBase64 = false): RequestParts {
  return {
    method: 'POST',
    url: () => 'https://example.test/items/7?q=1',
    headers: () => new Headers({ 'content-type': 'application/json', 'x-tag': 'a' }),
    body,
    bodyIsBase64,
    params: { id: '7' },
  }
}

describe('LazyRequest', () => {
  it.each([
    ['text', '{"a":1}', false],
    ['base64 text', Buffer.from('{"a":1}').toString('base64'), true],
    ['bytes', new TextEncoder().encode('{"a":1}'), false],
    ['a body source', async () => new TextEncoder().encode('{"a":1}'), false],
  ] as const)('reads a body given as %s', async (_kind, body, base64) => {
    expect(await new LazyRequest(parts(body, base64)).json()).toEqual({ a: 1 })
    expect(await new LazyRequest(parts(body, base64)).text()).toBe('{"a":1}')
    expect(new Uint8Array(await new LazyRequest(parts(body, base64)).arrayBuffer())).toEqual(
      new TextEncoder().encode('{"a":1}'),
    )
    const streamed = await new Response(new LazyRequest(parts(body, base64)).body).text()
    expect(streamed).toBe('{"a":1}')
  })

  it('behaves as a Request: url, headers, params, single use, and the rarer members', async () => {
    const request = new LazyRequest(parts('{}'))
    expect(request.url).toBe('https://example.test/items/7?q=1')
    expect(request.headers.get('x-tag')).toBe('a')
    expect(request.params).toEqual({ id: '7' })
    expect(request.mode).toBe('cors')
    expect(request.signal.aborted).toBe(false)
    expect(request.bodyUsed).toBe(false)
    await request.text()
    expect(request.bodyUsed).toBe(true)
    await expect(request.json()).rejects.toThrow(TypeError)
    expect(() => request.clone()).toThrow('Body is unusable')
  })

  it('rejects malformed JSON as Request does, without throwing synchronously', async () => {
    const request = new LazyRequest(parts('{oops'))
    const pending = request.json()
    await expect(pending).rejects.toThrow(SyntaxError)
  })

  it('parses form data', async () => {
    const form = new LazyRequest({
      ...parts('a=1&b=two'),
      headers: () => new Headers({ 'content-type': 'application/x-www-form-urlencoded' }),
    })
    const data = await form.formData()
    expect(data.get('b')).toBe('two')
  })
})

describe('LazyRequest against a real Request', () => {
  const url = 'https://example.test/items/7?q=1&q=2'
  const headers = { 'content-type': 'application/json', 'x-tag': 'a', cookie: 'a=1; b=2' }
  const lazy = () =>
    new LazyRequest({
      method: 'POST',
      url: () => url,
      headers: () => new Headers(headers),
      body: '{"a":1}',
      bodyIsBase64: false,
      params: {},
    })
  const real = () => new Request(url, { method: 'POST', headers, body: '{"a":1}' })

  it('is an instanceof Request once its headers are read, and says so to Object.prototype.toString', () => {
    const request = lazy()
    expect(request.headers.get('x-tag')).toBe('a')
    expect(request).toBeInstanceOf(Request)
    expect(Object.prototype.toString.call(request)).toBe('[object Request]')
  })

  it("answers every member of Node's Request.prototype as the real Request does", async () => {
    // The members, as Node's own fetch implementation defines them, less the constructor and one
    // stray name some Node versions list.
    const members = Object.getOwnPropertyNames(Request.prototype).filter(
      (name) => name !== 'constructor' && name !== 'attribute',
    )
    expect(members.length).toBeGreaterThan(20)
    const observe = async (request: Request, member: string): Promise<unknown> => {
      const value = (request as unknown as Record<string, unknown>)[member]
      if (typeof value === 'function') {
        if (member === 'clone') return observe((value as () => Request).call(request), 'text')
        const out = await (value as () => Promise<unknown>).call(request)
        if (out instanceof ArrayBuffer || out instanceof Uint8Array) return [...new Uint8Array(out)]
        if (out instanceof Blob) return [out.type, await out.text()]
        if (out instanceof FormData) return [...out.entries()]
        return out
      }
      if (value instanceof Headers) return [...value.entries()]
      if (value instanceof AbortSignal) return value.aborted
      if (value instanceof ReadableStream) return new Response(value).text()
      return value
    }
    for (const member of members) {
      // formData() of a JSON body fails on both; what matters is that both fail alike.
      const [ours, theirs] = await Promise.allSettled([observe(lazy(), member), observe(real(), member)])
      expect({ member, status: ours.status }).toEqual({ member, status: theirs.status })
      if (ours.status === 'fulfilled' && theirs.status === 'fulfilled')
        expect({ member, value: ours.value }).toEqual({ member, value: theirs.value })
    }
  })

  it('prints as the Request it stands for', async () => {
    const { inspect } = await import('node:util')
    expect(inspect(lazy())).toContain(url)
  })
})
