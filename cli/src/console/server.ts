import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  errorCodes,
  type LogEvent,
  type Target,
  type TargetHost,
  type TargetSettings,
  XfnError,
} from '@xfn/core'
import type { Project } from '../project.js'
import { type ConsoleData, consoleData } from './data.js'

/*
 * `xfn console`: a web page on 127.0.0.1 that shows the app through its target, as the terminal
 * commands do. Every request needs the random token the printed URL carries (kept in a cookie the
 * page cannot read); every change also needs it in a header, which only the page (served to a
 * holder of the cookie) knows, so another site can neither read the console nor act through it.
 * No secret value ever reaches the page: the target's calls return none.
 */

export interface ConsoleOptions {
  readonly target: Target
  readonly settings: TargetSettings
  readonly host: TargetHost
  readonly port?: number
}

export interface RunningConsole {
  /** The URL to open, with the token. */
  readonly url: string
  readonly close: () => Promise<void>
}

const cookieName = 'xfn_console'
/** The page's script, built with esbuild into the CLI package (see cli/scripts/console.mjs). */
const appScript = new URL('./app.js', import.meta.url)

export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const token = randomBytes(24).toString('base64url')
  const data = consoleData(options)
  const followers = new Set<AbortController>()
  const server = createServer((req, res) => {
    handle(req, res, token, data, followers).catch((error: unknown) => {
      // A mistake (a queue that does not exist, a change a cloud is not offered, a body that is
      // not JSON) is the user's.
      const status =
        (error instanceof XfnError && errorCodes[error.code] === 'user') || error instanceof SyntaxError
          ? 400
          : 500
      if (!res.headersSent)
        send(res, status, { error: error instanceof Error ? error.message : String(error) })
      else res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new XfnError(
              'INVALID_OPTIONS',
              `Port ${options.port} on 127.0.0.1 is taken: choose another with --port, or leave --port out for any free one.`,
            )
          : error,
      ),
    )
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: async () => {
      for (const follower of followers) follower.abort()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** The console of the local cloud (as `xfn dev --console` serves it). */
export async function startLocalConsole(project: Project, host: TargetHost): Promise<RunningConsole> {
  const { targetNamed } = await import('../targets/registry.js')
  return startConsole({ target: await targetNamed(project, 'local'), settings: {}, host })
}

function same(a: string | undefined, b: string): boolean {
  const x = Buffer.from(a ?? '')
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === cookieName) return value.join('=')
  }
  return undefined
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json') {
  const text = type === 'application/json' ? JSON.stringify(body) : String(body)
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' })
  res.end(text)
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  data: ConsoleData,
  followers: Set<AbortController>,
) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const method = req.method ?? 'GET'
  // A name that resolves to 127.0.0.1 from another site's page (DNS rebinding) is not this host.
  if (!/^127\.0\.0\.1:\d+$/.test(req.headers.host ?? ''))
    return send(res, 421, { error: 'The console answers only at 127.0.0.1.' })
  if (method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
    if (!same(url.searchParams.get('token') ?? '', token)) return send(res, 401, unauthorized, 'text/plain')
    res.writeHead(303, {
      location: '/',
      'set-cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
    })
    return res.end()
  }
  if (!same(cookieOf(req), token)) return send(res, 401, unauthorized, 'text/plain')
  const changes = method !== 'GET' && method !== 'HEAD'
  if (changes && !same(req.headers['x-xfn-token'] as string | undefined, token))
    return send(res, 403, { error: 'A change needs the x-xfn-token header the console page sends.' })

  if (method === 'GET' && url.pathname === '/') return send(res, 200, page(token), 'text/html')
  if (method === 'GET' && url.pathname === '/app.js')
    return send(res, 200, await readFile(appScript, 'utf8'), 'text/javascript')
  if (method === 'GET' && url.pathname === '/api/overview') return send(res, 200, await data.overview())
  if (method === 'GET' && url.pathname === '/api/metrics') return send(res, 200, await data.metrics())
  if (method === 'GET' && url.pathname === '/api/logs') return streamLogs(res, data, followers)

  const event = /^\/api\/invocations\/([^/]+)\/event$/.exec(url.pathname)
  if (event && method === 'GET')
    return send(res, 200, await data.invocationEvent(decodeURIComponent(event[1] ?? '')))
  const queue = /^\/api\/queues\/([^/]+)\/(dead-letters|redrive|messages)$/.exec(url.pathname)
  if (queue) {
    const name = decodeURIComponent(queue[1] ?? '')
    if (method === 'GET' && queue[2] === 'dead-letters') return send(res, 200, await data.deadLetters(name))
    if (method === 'POST' && queue[2] === 'redrive') return send(res, 200, await data.redrive(name))
    if (method === 'POST' && queue[2] === 'messages') {
      const { body } = JSON.parse((await bodyOf(req)).toString('utf8') || '{}') as { body?: string }
      return send(res, 200, await data.sendMessage(name, body ?? ''))
    }
  }
  const invoke = /^\/api\/functions\/([^/]+)\/invoke$/.exec(url.pathname)
  if (invoke && method === 'POST') {
    const request = JSON.parse((await bodyOf(req)).toString('utf8') || '{}') as {
      data?: string
      method?: string
      path?: string
    }
    return send(res, 200, await data.invoke(decodeURIComponent(invoke[1] ?? ''), request))
  }
  const bucket = /^\/api\/buckets\/([^/]+)(?:\/objects\/(.+))?$/.exec(url.pathname)
  if (bucket) {
    const name = decodeURIComponent(bucket[1] ?? '')
    const key = bucket[2] === undefined ? undefined : decodeURIComponent(bucket[2])
    if (key === undefined && method === 'GET') return send(res, 200, await data.objects(name))
    if (key !== undefined && method === 'GET') {
      const bytes = await data.download(name, key)
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${encodeURIComponent(key.split('/').at(-1) ?? key)}"`,
        'cache-control': 'no-store',
      })
      return res.end(bytes)
    }
    if (key !== undefined && method === 'PUT')
      return send(res, 200, await data.upload(name, key, await bodyOf(req)))
    if (key !== undefined && method === 'DELETE') return send(res, 200, await data.remove(name, key))
  }
  return send(res, 404, { error: `No ${method} ${url.pathname} in the console.` })
}

/** The app's log events as server-sent events: the last 15 minutes, then each as it comes. */
async function streamLogs(res: ServerResponse, data: ConsoleData, followers: Set<AbortController>) {
  const follow = new AbortController()
  followers.add(follow)
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  })
  res.on('close', () => follow.abort())
  res.write(': xfn console\n\n')
  try {
    for await (const event of await data.logs(follow.signal)) {
      if (follow.signal.aborted) break
      res.write(`data: ${JSON.stringify(event satisfies LogEvent)}\n\n`)
    }
  } catch (error) {
    if (!follow.signal.aborted)
      res.write(
        `event: failure\ndata: ${JSON.stringify(error instanceof Error ? error.message : String(error))}\n\n`,
      )
  } finally {
    followers.delete(follow)
    res.end()
  }
}

const unauthorized =
  'Open the console with the URL xfn console printed: it carries the token this page needs.'

function page(token: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="xfn-token" content="${token}">
<title>xfn console</title>
<link rel="icon" href="data:,">
</head>
<body>
<div id="app"></div>
<script type="module" src="/app.js"></script>
</body>
</html>
`
}
