import { createApp, type HttpRequest } from '@xfn/core'
import { describe, expect, it } from 'vitest'
import { corpusEvents, lambdaContext } from './__fixtures__/events.js'
import type { NativeHttpResult } from './http/response.js'
import { lambdaHandler } from './index.js'

/**
 * Every event of the corpus (71 events from four public sources beyond the captures the other
 * suites read: AWS's Rust, Java and .NET runtime libraries and Powertools for Python) through the
 * runtime, each held to what the event itself says as AWS documents it, not to what the runtime
 * believes: the method, the path (REST, load balancers and Function URLs send it encoded, HTTP
 * APIs decoded), every header, every query value (API Gateway decodes them, load balancers pass
 * them as sent, HTTP APIs send the raw query), the body; each SQS record's body; each S3 key
 * (form-encoded); a schedule's time. A WebSocket event must be refused. Each event is counted ok,
 * refused (clearly, as it should be) or wrong; none may be wrong.
 */
type Outcome = { kind: string; verdict: 'ok' | 'refused' | 'wrong'; why?: string }

const form = (text: string) => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}
const decoded = (text: string) => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function kindOf(event: Record<string, unknown>): string {
  const context = (event.requestContext ?? {}) as Record<string, unknown>
  const records = event.Records as { eventSource?: string }[] | undefined
  if (context.eventType !== undefined || context.connectionId !== undefined) return 'websocket'
  if (event.version === '2.0')
    return String(context.domainName ?? '').includes('lambda-url') ? 'function-url' : 'http-api'
  if (typeof event.httpMethod === 'string') return context.elb ? 'alb' : 'rest'
  if (records?.every((r) => r.eventSource === 'aws:sqs')) return 'sqs'
  if (records?.every((r) => r.eventSource === 'aws:s3')) return 's3'
  if (event['detail-type'] === 'Scheduled Event') return 'schedule'
  return 'other'
}

/** What the event says the request was, as AWS documents each format. */
function expectedRequest(kind: string, event: Record<string, unknown>) {
  const e = event as {
    httpMethod?: string
    path?: string
    rawPath?: string
    rawQueryString?: string
    headers?: Record<string, string> | null
    multiValueHeaders?: Record<string, string[]> | null
    queryStringParameters?: Record<string, string> | null
    multiValueQueryStringParameters?: Record<string, string[]> | null
    cookies?: string[]
    body?: string | null
    isBase64Encoded?: boolean
    requestContext: { http?: { method: string }; stage?: string }
  }
  const headers = new Map<string, string>()
  if (e.multiValueHeaders)
    for (const [name, values] of Object.entries(e.multiValueHeaders))
      headers.set(name.toLowerCase(), values.join(', '))
  else for (const [name, value] of Object.entries(e.headers ?? {})) headers.set(name.toLowerCase(), value)
  if (e.cookies?.length) headers.set('cookie', e.cookies.join('; '))
  let path: string
  let query: [string, string][]
  if (kind === 'http-api' || kind === 'function-url') {
    const stage = e.requestContext.stage
    const raw = e.rawPath ?? '/'
    const stripped =
      stage && stage !== '$default' && raw.startsWith(`/${stage}/`) ? raw.slice(stage.length + 1) : raw
    path = kind === 'http-api' ? stripped : decoded(stripped)
    query = [...new URLSearchParams(e.rawQueryString ?? '')]
  } else {
    path = decoded(e.path?.startsWith('/') ? e.path : `/${e.path}`)
    const multi = e.multiValueQueryStringParameters
    const single = e.queryStringParameters
    const pairs: [string, string][] = multi
      ? Object.entries(multi).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]))
      : Object.entries(single ?? {})
    query = kind === 'alb' ? pairs.map(([k, v]) => [form(k), form(v)]) : pairs
  }
  const body =
    e.body == null ? '' : e.isBase64Encoded ? Buffer.from(e.body, 'base64').toString('latin1') : e.body
  return { method: e.httpMethod ?? e.requestContext.http?.method, path, query, headers, body }
}

async function runHttp(kind: string, event: Record<string, unknown>): Promise<Outcome> {
  const made = createApp()
  made.app.http(
    'echo',
    { route: '/{*path}', method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] },
    async (request: HttpRequest) => ({
      json: {
        method: request.method,
        url: request.url,
        headers: [...request.headers],
        body: Buffer.from(await request.arrayBuffer()).toString('latin1'),
      },
    }),
  )
  const handler = lambdaHandler('echo', { registry: made.registry, write: () => undefined })
  let answer: NativeHttpResult
  try {
    answer = (await handler(event, lambdaContext())) as NativeHttpResult
  } catch (error) {
    const refused = (error as { code?: string }).code === 'MALFORMED_EVENT'
    return kind === 'websocket' && refused
      ? { kind, verdict: 'refused' }
      : { kind, verdict: 'wrong', why: String(error) }
  }
  if (kind === 'websocket') return { kind, verdict: 'wrong', why: 'a WebSocket event was served' }
  const wanted = expectedRequest(kind, event)
  if (answer.statusCode === 405 || answer.statusCode === 404)
    return {
      kind,
      verdict: 'wrong',
      why: `answered ${answer.statusCode} for ${wanted.method} ${wanted.path}`,
    }
  const echo = JSON.parse(answer.body) as {
    method: string
    url: string
    headers: [string, string][]
    body: string
  }
  const url = new URL(echo.url)
  const got = new Map(echo.headers)
  const problems: string[] = []
  if (echo.method !== wanted.method) problems.push(`method ${echo.method}`)
  if (decoded(url.pathname) !== wanted.path) problems.push(`path ${decoded(url.pathname)} for ${wanted.path}`)
  if (JSON.stringify([...url.searchParams]) !== JSON.stringify(wanted.query))
    problems.push(`query ${JSON.stringify([...url.searchParams])} for ${JSON.stringify(wanted.query)}`)
  for (const [name, value] of wanted.headers)
    if (got.get(name) !== value.trim())
      problems.push(`header ${name}: ${JSON.stringify(got.get(name))} for ${JSON.stringify(value)}`)
  if (echo.body !== wanted.body) problems.push('body')
  return problems.length === 0
    ? { kind, verdict: 'ok' }
    : { kind, verdict: 'wrong', why: problems.join('; ') }
}

async function runOther(kind: string, event: Record<string, unknown>): Promise<Outcome> {
  const made = createApp()
  const given: unknown[] = []
  made.app.queue('sqs', { queue: 'orders' }, (message) => void given.push(message.text()))
  made.app.blob(
    's3',
    { bucket: 'receipts', events: ['created', 'deleted'] },
    (blob) => void given.push(blob.key),
  )
  made.app.timer('schedule', { every: '1 hour' }, (tick) => void given.push(tick.scheduledAt.toISOString()))
  const handler = lambdaHandler(kind, { registry: made.registry, write: () => undefined })
  await handler(event, lambdaContext())
  const records = (event.Records ?? []) as {
    body?: string
    eventName?: string
    s3?: { object: { key: string } }
  }[]
  const wanted =
    kind === 'sqs'
      ? records.map((r) => r.body)
      : kind === 's3'
        ? records
            .filter((r) => /^(s3:)?(ObjectCreated|ObjectRemoved|LifecycleExpiration)/.test(r.eventName ?? ''))
            .map((r) => form(r.s3?.object.key ?? ''))
        : [new Date(String(event.time)).toISOString()]
  return JSON.stringify(given) === JSON.stringify(wanted)
    ? { kind, verdict: 'ok' }
    : { kind, verdict: 'wrong', why: `${JSON.stringify(given)} for ${JSON.stringify(wanted)}` }
}

describe('the corpus of public event captures', () => {
  it('reads every event as the event itself says, and refuses the WebSocket ones clearly', async () => {
    const outcomes: (Outcome & { name: string })[] = []
    for (const [name, event] of corpusEvents()) {
      const kind = kindOf(event)
      const outcome = ['sqs', 's3', 'schedule'].includes(kind)
        ? await runOther(kind, event)
        : await runHttp(kind, event)
      outcomes.push({ name, ...outcome })
    }
    const table = new Map<string, Record<string, number>>()
    for (const { kind, verdict } of outcomes) {
      const row = table.get(kind) ?? { ok: 0, refused: 0, wrong: 0 }
      row[verdict] = (row[verdict] ?? 0) + 1
      table.set(kind, row)
    }
    console.log(
      [...table]
        .map(([kind, row]) => `${kind.padEnd(13)} ok ${row.ok}, refused ${row.refused}, wrong ${row.wrong}`)
        .join('\n'),
    )
    expect(outcomes.length).toBeGreaterThanOrEqual(70)
    expect(outcomes.filter((o) => o.verdict === 'wrong').map((o) => `${o.name}: ${o.why}`)).toEqual([])
  })
})
