import { createApp, createContext, invokeHttp } from '@xfn/core'
import { compare } from './lib/compare.js'

const { app, registry } = createApp()
app.http('echo', { route: '/items/{id}', method: 'POST' }, async (request) => {
  const body = (await request.json()) as { n: number }
  return { json: { id: request.params.id, n: body.n + 1 } }
})
const fn = registry.functions.get('echo') as Parameters<typeof invokeHttp>[0]
const context = createContext({
  invocationId: 'bench',
  functionName: 'echo',
  cloud: 'local',
  remainingMs: () => 60_000,
  sink: () => undefined,
})
const payload = JSON.stringify({ n: 41 })

/** What a hand-written handler does: parse a JSON string, return a JSON string. */
function nativeHandler(event: { body: string; id: string }) {
  const body = JSON.parse(event.body) as { n: number }
  return { statusCode: 200, body: JSON.stringify({ id: event.id, n: body.n + 1 }) }
}

await compare(
  'One HTTP invocation through real Request and Response objects (the in-process and local path)',
  { name: 'hand-written handler on strings', fn: () => nativeHandler({ body: payload, id: '7' }) },
  [
    {
      name: 'xfn invokeHttp, Response read back',
      fn: async () => {
        const request = new Request('http://localhost/items/7', { method: 'POST', body: payload })
        await (await invokeHttp(fn, request, { id: '7' }, context)).text()
      },
    },
  ],
)
