import type { createApp } from '../app.js'

/**
 * Portable HTTP handlers whose observable responses every adapter must give alike: JSON, text,
 * binary, several cookies, repeated headers, a `Response`, a handler's own 400, an empty result,
 * and a thrown error.
 */
export function registerPortableHandlers({ app }: ReturnType<typeof createApp>) {
  app.http('getItem', { route: '/items/{id}' }, (request) => ({
    json: { id: request.params.id, q: new URL(request.url).searchParams.getAll('q') },
  }))
  app.http('createItem', { route: '/items/{id}', method: 'POST' }, async (request) => {
    let body: unknown
    try {
      body = await request.json()
    } catch {
      return { status: 400, json: { error: 'the body is not JSON' } }
    }
    return { status: 201, headers: { location: `/items/${request.params.id}` }, json: { created: body } }
  })
  app.http('text', { route: '/text' }, () => ({ body: 'héllo wörld' }))
  app.http('binary', { route: '/binary' }, () => ({
    headers: { 'content-type': 'image/png' },
    body: new Uint8Array([137, 80, 78, 71, 0, 255]),
  }))
  app.http('cookies', { route: '/cookies' }, () => {
    const headers = new Headers({ 'content-type': 'text/plain' })
    headers.append('set-cookie', 'a=1; Path=/')
    headers.append('set-cookie', 'b=2; HttpOnly')
    headers.append('x-multi', 'one')
    headers.append('x-multi', 'two')
    return new Response('cookies set', { status: 200, headers })
  })
  app.http('plainCookies', { route: '/plain-cookies' }, () => ({
    headers: { 'set-cookie': ['a=1', 'b=2'], 'cache-control': 'no-store' },
    json: { ok: true },
  }))
  app.http('empty', { route: '/empty', method: 'DELETE' }, () => undefined)
  app.http('fails', { route: '/fails' }, () => {
    throw new Error('secret database password leaked in stack')
  })
  app.http('files', { route: '/files/{*path}' }, (request) => ({ json: { path: request.params.path } }))
  app.http('secret', { route: '/secret', auth: 'key' }, () => ({ json: { secret: true } }))
}

/** What a client observes of a response, whatever carried it. */
export interface Observed {
  status: number
  headers: Record<string, string[]>
  cookies: string[]
  body: string
}

export const portableRequests: { method: string; path: string; query?: [string, string][]; body?: string }[] =
  [
    {
      method: 'GET',
      path: '/items/42',
      query: [
        ['q', 'a'],
        ['q', 'b'],
      ],
    },
    { method: 'POST', path: '/items/7', body: '{"name":"tea"}' },
    { method: 'POST', path: '/items/7', body: '{not json' },
    { method: 'GET', path: '/text' },
    { method: 'GET', path: '/binary' },
    { method: 'GET', path: '/cookies' },
    { method: 'GET', path: '/plain-cookies' },
    { method: 'DELETE', path: '/empty' },
    { method: 'GET', path: '/fails' },
    { method: 'GET', path: '/files/a/b c/d.txt' },
  ]

/** The HTTP function of an app that serves a method and path. */
export function functionFor(method: string, path: string, made: ReturnType<typeof createApp>): string {
  for (const fn of made.registry.functions.values()) {
    if (
      fn.trigger.type === 'http' &&
      fn.trigger.methods.includes(method as never) &&
      fn.trigger.route.pattern.test(path)
    ) {
      return fn.name
    }
  }
  throw new Error(`no function for ${method} ${path}`)
}

/** What a client observes of a `Response`; `cookies` turns its Set-Cookie values into comparable strings. */
export async function observeResponse(
  response: Response,
  cookies: (setCookies: string[]) => string[] = (values) => values,
): Promise<Observed> {
  const headers: Record<string, string[]> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value.split(/,\s*/)
  })
  return {
    status: response.status,
    headers,
    cookies: cookies(response.headers.getSetCookie()),
    body: Buffer.from(await response.arrayBuffer()).toString('hex'),
  }
}
