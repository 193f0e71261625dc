import { createHmac } from 'node:crypto'
import { app, bucket, queue, secret } from '@xfn/core'

/*
 * The conformance app: every behaviour the scenarios observe. Queue, timer and blob functions
 * write what they were given to the `results` bucket, which each driver reads back.
 */

const jobs = queue('jobs', { maxAttempts: 3, visibilityTimeoutSeconds: 1 })
const uploads = bucket('uploads')
const results = bucket('results')
/** Each driver gives it the value of `conformanceSecret` (scenarios.ts), in its cloud's store. */
const signingKey = secret('signing-key')

const cookiesOf = (header: string | null) =>
  Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]),
  )

app.http(
  'echo',
  { route: '/echo/{*rest}', method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
  async (request) => {
    const url = new URL(request.url)
    const body = await request.text()
    return {
      json: {
        method: request.method,
        rest: request.params.rest,
        query: [...url.searchParams.entries()],
        a: request.headers.get('x-a'),
        // The list a repeated header holds: joined with ', ' or ',' by the front door, the same meaning.
        multi: request.headers.get('x-multi')?.split(/,\s*/) ?? null,
        contentType: request.headers.get('content-type'),
        cookies: cookiesOf(request.headers.get('cookie')),
        body,
        bodyBytes: Buffer.byteLength(body),
      },
    }
  },
)
app.http('item', { route: '/items/{id}' }, (request) => ({ json: { id: request.params.id } }))
app.http('itemDetail', { route: '/items/{id}/detail' }, (request) => ({
  json: { detail: request.params.id },
}))
app.http('literal', { route: '/items/special' }, () => ({ json: { literal: true } }))
app.http('reverse', { route: '/bytes', method: 'POST' }, async (request) => ({
  headers: { 'content-type': 'application/octet-stream' },
  body: new Uint8Array(await request.arrayBuffer()).reverse(),
}))
app.http('size', { route: '/size', method: 'POST' }, async (request) => ({
  json: { bytes: (await request.arrayBuffer()).byteLength },
}))
app.http('status', { route: '/status/{code}' }, (request) => ({
  status: Number(request.params.code),
  json: { status: Number(request.params.code) },
}))
app.http('text', { route: '/text' }, () => ({ body: 'héllo wörld ✓' }))
app.http('empty', { route: '/empty', method: 'DELETE' }, () => undefined)
app.http('response', { route: '/response' }, () => Response.json({ made: 'with Response' }, { status: 201 }))
app.http('setCookies', { route: '/cookies' }, () => ({
  headers: { 'set-cookie': ['a=1; Path=/', 'b=2; HttpOnly'], 'x-multi': ['one', 'two'] },
  json: { ok: true },
}))
app.http('fails', { route: '/fails' }, () => {
  throw new Error('a secret that must not leak')
})
app.http('secret', { route: '/secret', auth: 'key' }, () => ({ json: { secret: 'kept' } }))
app.http('signed', { route: '/signed', method: 'POST', uses: [signingKey] }, async (request) => ({
  json: {
    signature: createHmac('sha256', await signingKey.value())
      .update(await request.text())
      .digest('hex'),
  },
}))
app.http('unsigned', { route: '/unsigned' }, async () => ({ json: { key: await signingKey.value() } }))
app.http('log', { route: '/log', method: 'POST' }, (_request, context) => {
  context.log.debug('debug line', { n: 1 })
  context.log.info('info line', { n: 2, nested: { ok: true } })
  context.log.warn('warn line')
  context.log.error('error line', { code: 'E1' })
  return { status: 204 }
})
app.http('enqueue', { route: '/enqueue', method: 'POST', uses: [jobs] }, async (request) => {
  await jobs.send(await request.text())
  return { status: 202 }
})

interface Job {
  id: string
  /** Fail every attempt before this one. */
  failUntil?: number
  always?: boolean
}

app.queue(
  'work',
  { queue: jobs, batchSize: 10, timeoutSeconds: 5, uses: [results.writeOnly] },
  async (message) => {
    const text = message.text()
    let job: Job
    try {
      job = message.json<Job>()
    } catch {
      job = { id: text.slice(0, text.indexOf('|')) }
    }
    if (job.always) throw new Error(`job ${job.id} always fails`)
    if (job.failUntil && message.attempt < job.failUntil)
      throw new Error(`job ${job.id} fails on attempt ${message.attempt}`)
    await results.put(`queue/${job.id}.json`, JSON.stringify({ text, attempt: message.attempt }))
  },
)

app.timer('tick', { schedule: '* * * * *', uses: [results.writeOnly] }, async (tick) => {
  await results.put(
    'timer/tick.json',
    JSON.stringify({
      isPastDue: tick.isPastDue,
      onSchedule: tick.scheduledAt.getUTCSeconds() === 0 && tick.scheduledAt.getUTCMilliseconds() === 0,
      firedAfterScheduled: tick.firedAt.getTime() >= tick.scheduledAt.getTime(),
    }),
  )
})

app.blob('watch', { bucket: uploads, prefix: 'in/', uses: [results.writeOnly] }, async (event) => {
  await results.put(
    `blob/${event.type}/${event.key}.json`,
    JSON.stringify({ type: event.type, bucket: event.bucket, key: event.key, size: event.size }),
  )
})
