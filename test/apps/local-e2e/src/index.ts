import { app, bucket, queue } from '@xfn/core'

// Short timeouts, so retries and dead-lettering happen within a test.
const jobs = queue('jobs', { maxAttempts: 2, visibilityTimeoutSeconds: 1 })
const files = bucket('files')

app.http('submit', { method: 'POST', route: '/jobs', auth: 'key', uses: [jobs] }, async (request) => {
  const job = (await request.json()) as { name: string }
  await jobs.send(job)
  return { status: 202, json: { queued: job.name } }
})
app.http('read', { route: '/files/{*key}', uses: [files.readOnly] }, async (request) => {
  const file = await files.get(request.params.key ?? '')
  return file ? { body: file.text() } : { status: 404, json: { error: 'no such file' } }
})
app.http('hang', { route: '/hang', timeoutSeconds: 1 }, () => new Promise(() => undefined))
app.http('echoSize', { method: 'POST', route: '/size' }, async (request) => ({
  json: { bytes: (await request.arrayBuffer()).byteLength },
}))

app.queue('work', { queue: jobs, timeoutSeconds: 1, uses: [files] }, async (message, context) => {
  const job = message.json<{ name: string; delayMs?: number }>()
  if (job.delayMs) await new Promise((resolve) => setTimeout(resolve, job.delayMs))
  if (job.name.startsWith('poison')) throw new Error(`job ${job.name} always fails`)
  if (job.name.startsWith('crash')) process.exit(7)
  console.log(`processing ${job.name}`)
  await files.put(`done/${job.name}.txt`, `done on attempt ${message.attempt}`)
  context.log.info('processed', { name: job.name })
})

app.timer('tick', { every: '1 second' }, (tick, context) => {
  context.log.info('tick', { at: tick.scheduledAt.toISOString(), pastDue: tick.isPastDue })
})

app.blob('audit', { bucket: files, prefix: 'done/' }, (event, context) => {
  context.log.info('blob event', { type: event.type, key: event.key, size: event.size })
})
