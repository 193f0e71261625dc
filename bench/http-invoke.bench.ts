import { createApp, createContext, invokeHttp } from '@xfn/core'
import { bench, describe } from 'vitest'

const { app, registry } = createApp()
app.http('echo', { route: '/items/{id}', method: 'POST' }, async (request) => {
  const body = (await request.json()) as { n: number }
  return { json: { id: request.params.id, n: body.n + 1 } }
})
const fn = registry.functions.get('echo')
if (fn?.trigger.type !== 'http') throw new Error('echo is not registered')
const httpFn = fn as Parameters<typeof invokeHttp>[0]
const context = createContext({
  invocationId: 'bench',
  functionName: 'echo',
  cloud: 'local',
  remainingMs: () => 60_000,
  sink: () => undefined,
})
const payload = JSON.stringify({ n: 41 })

/** What a hand-written Lambda handler does: parse a JSON string, return a JSON string. */
function nativeHandler(event: { body: string; id: string }) {
  const body = JSON.parse(event.body) as { n: number }
  return { statusCode: 200, body: JSON.stringify({ id: event.id, n: body.n + 1 }) }
}

describe('one HTTP invocation', () => {
  bench('baseline: hand-written handler on strings', () => {
    nativeHandler({ body: payload, id: '7' })
  })

  bench('xfn: Request in, plain result, Response read back', async () => {
    const request = new Request('http://localhost/items/7', { method: 'POST', body: payload })
    const response = await invokeHttp(httpFn, request, { id: '7' }, context)
    await response.text()
  })
})
