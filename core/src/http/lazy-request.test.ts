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
