import { app, bucket, queue } from '@xfn/core'

const jobs = queue('jobs', { maxAttempts: 3, visibilityTimeoutSeconds: 300 })
const files = bucket('files')

app.http('echo', { route: '/{*path}', method: ['GET', 'POST'] }, async (request) => ({
  json: { method: request.method, path: request.params.path, body: await request.text() },
}))
app.queue('work', { queue: jobs, batchSize: 5 }, (message, context) => {
  if (message.text().includes('poison')) throw new Error('poison message')
  context.log.info('worked', { id: message.id })
})
app.timer('tick', { every: '5 minutes' }, (tick, context) => {
  context.log.info('tick', { at: tick.scheduledAt.toISOString() })
})
app.blob('audit', { bucket: files, prefix: 'in/' }, (event, context) => {
  context.log.info('blob', { key: event.key, size: event.size })
})
