import { app, bucket, queue } from '@xfn/core'

// Handlers that do what real code sometimes does to the process it runs in. The local cloud must
// keep serving the other functions, and every message must end processed or dead-lettered.
const chaos = queue('chaos', { maxAttempts: 2, visibilityTimeoutSeconds: 1 })
const done = bucket('done')

/** Each misdeed, by name: what a handler does to its process. */
const misdeeds: Record<string, () => Promise<unknown> | unknown> = {
  // A promise rejected with no one to catch it.
  reject: () => {
    void Promise.reject(new Error('nobody awaited this'))
    return new Promise((resolve) => setTimeout(resolve, 200))
  },
  // A throw from a callback that runs after the handler's own code.
  'timer-throw': () => {
    setTimeout(() => {
      throw new Error('thrown from a timer')
    }, 0)
    return new Promise((resolve) => setTimeout(resolve, 200))
  },
  exit: () => process.exit(3),
  // Never yields, so the event loop stops and no timeout in the process can fire.
  loop: () => {
    for (;;) {}
  },
  // Allocates until something stops it.
  hog: () => {
    const kept: number[][] = []
    for (;;) kept.push(new Array(1_000_000).fill(kept.length))
  },
}

app.http('ok', { route: '/ok' }, () => ({ json: { ok: true, pid: process.pid } }))

app.http('misbehave', { route: '/misbehave/{what}', timeoutSeconds: 1 }, async (request) => {
  await misdeeds[request.params.what ?? '']?.()
  return { json: { survived: request.params.what } }
})

app.http('bad-header', { route: '/bad-header' }, () => ({
  headers: { 'x-injected': 'a\r\nset-cookie: stolen=1' },
  body: 'never sent',
}))

app.queue('consume', { queue: chaos, timeoutSeconds: 1, batchSize: 4, uses: [done] }, async (message) => {
  const { name } = message.json<{ name: string }>()
  const misdeed = misdeeds[name.slice(0, name.lastIndexOf('-'))]
  if (misdeed) await misdeed()
  await done.put(`${name}.txt`, `attempt ${message.attempt}`)
})
