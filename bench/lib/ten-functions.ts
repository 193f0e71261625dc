import { createApp, type Manifest, toManifest } from '../../core/src/index.js'

/** The app both deploy benchmarks deploy: 10 functions (4 HTTP, 2 queue, 2 timer, 2 blob), 2 queues, 2 buckets. */
export function tenFunctions(memory = 256): Manifest {
  const { app, queue, bucket, registry } = createApp()
  const jobs = queue('jobs')
  const mail = queue('mail')
  const files = bucket('files')
  const images = bucket('images')
  for (const [i, route] of ['/a', '/b/{id}', '/c/{*rest}', '/d'].entries())
    app.http(`route${i}`, { route, method: i === 0 ? 'POST' : 'GET', uses: [jobs] }, () => ({ status: 204 }))
  app.queue('worker', { queue: jobs, uses: [files] }, () => undefined)
  app.queue('mailer', { queue: mail, memoryMb: memory }, () => undefined)
  app.timer('hourly', { every: '1 hour', uses: [mail] }, () => undefined)
  app.timer('nightly', { schedule: '0 3 * * *' }, () => undefined)
  app.blob('thumbs', { bucket: images, uses: [files.writeOnly] }, () => undefined)
  app.blob('audit', { bucket: files, prefix: 'in/' }, () => undefined)
  return toManifest(registry, { app: 'bench' })
}
