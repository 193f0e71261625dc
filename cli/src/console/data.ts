import { randomBytes } from 'node:crypto'
import {
  type FunctionMetrics,
  type LogEvent,
  type ManifestFunction,
  nextFireTimes,
  parseSchedule,
  type Target,
  type TargetHost,
  type TargetSettings,
  XfnError,
} from '@xfn/core'

/*
 * What the console shows and does, through the target contract (functions, metrics, logs and
 * invocations on every cloud) and, on the local cloud, its queues and buckets. On a cloud, what
 * would change its queues or buckets is refused with the terminal command that does it, as the
 * console reads there with the permissions the terminal commands need, not more.
 */

export type ConsoleData = ReturnType<typeof consoleData>

/** A function's trigger in a few words: `GET /orders`, `queue orders`, `0 2 * * *`. */
function describeTrigger(fn: ManifestFunction): string {
  const { trigger } = fn
  switch (trigger.type) {
    case 'http':
      return `${trigger.methods.join(',')} ${trigger.route}`
    case 'queue':
      return `queue ${trigger.queue}`
    case 'timer':
      return 'schedule' in trigger ? `schedule ${trigger.schedule} (UTC)` : `every ${trigger.every}`
    case 'blob':
      return `bucket ${trigger.bucket}${trigger.prefix || trigger.suffix ? ` ${trigger.prefix}*${trigger.suffix}` : ''}`
    case 'topic':
      return `topic ${trigger.topic}`
  }
}

export function consoleData({
  target,
  settings,
  host,
}: {
  readonly target: Target
  readonly settings: TargetSettings
  readonly host: TargetHost
}) {
  const local = target.name === 'local'
  const localCloud = async () => {
    const { LocalCloudClient, statePaths, BlobStore, deadLetterName } = await import('@xfn/local')
    return {
      client: new LocalCloudClient(host.project.dir),
      blobs: new BlobStore(statePaths(host.project.dir).buckets, randomBytes(16).toString('hex')),
      deadLetterName,
    }
  }
  /** The local cloud's queues and buckets; on a cloud, the error that says why not. */
  const onLocal = async <T>(
    what: string,
    act: (cloud: Awaited<ReturnType<typeof localCloud>>) => Promise<T>,
  ) => {
    if (!local)
      throw new XfnError(
        'INVALID_OPTIONS',
        `The console ${what} on the local cloud only: on ${target.name}, the cloud's own tools do, with permissions the console does not ask for.`,
      )
    return act(await localCloud())
  }
  // The app's functions, loaded when asked for and again after 10 s (`xfn dev` reloads the app as
  // it changes); a load that fails is an answer, and is tried again the next time.
  let manifest: { at: number; loading: ReturnType<TargetHost['loadManifest']> } | undefined
  const manifestOf = () => {
    if (!manifest || Date.now() - manifest.at > 10_000) {
      const loading = host.loadManifest()
      loading.catch(() => {
        if (manifest?.loading === loading) manifest = undefined
      })
      manifest = { at: Date.now(), loading }
    }
    return manifest.loading
  }

  return {
    async overview() {
      const app = await manifestOf()
      const now = new Date()
      const status = local ? await (await localCloud()).client.status() : undefined
      return {
        app: app.app,
        cloud: target.name,
        running: local ? status !== undefined : undefined,
        functions: app.functions.map((fn) => ({
          name: fn.name,
          trigger: fn.trigger.type,
          source: describeTrigger(fn),
          // The next fire times in UTC, which the page also shows in the viewer's time zone.
          next:
            fn.trigger.type === 'timer'
              ? nextFireTimes(parseSchedule(fn.trigger, fn.name), now, 3).map((d) => d.toISOString())
              : undefined,
        })),
        queues: Object.entries(status?.queues ?? {}).map(([name, depth]) => ({ name, ...depth })),
        buckets: app.buckets.map((b) => b.name),
        deployedAt: status?.deployedAt,
      }
    },
    metrics: (): Promise<FunctionMetrics[]> =>
      target.metrics(host, settings, { since: new Date(Date.now() - 3_600_000), periodMs: 5 * 60_000 }),
    logs: (signal: AbortSignal): Promise<AsyncIterable<LogEvent>> =>
      target.logs(host, settings, { since: new Date(Date.now() - 15 * 60_000), follow: signal }),
    invoke: (name: string, request: { data?: string; method?: string; path?: string }) =>
      target.invoke(host, settings, name, {
        data: request.data ?? '',
        ...(request.method ? { method: request.method } : {}),
        ...(request.path ? { path: request.path } : {}),
      }),
    invocationEvent: (invocationId: string) =>
      onLocal("shows invocations' events", async ({ client }) => client.invocation(invocationId)),
    deadLetters: (queue: string) =>
      onLocal('lists dead letters', async ({ client, deadLetterName }) => ({
        queue: deadLetterName(queue),
        messages: await client.messages(deadLetterName(queue)),
      })),
    redrive: (queue: string) =>
      onLocal('re-drives queues', async ({ client }) => ({
        moved: await client.redrive(queue),
      })),
    sendMessage: (queue: string, body: string) =>
      onLocal('sends messages', async ({ client }) => ({
        ids: await client.send(queue, [body]),
      })),
    objects: (bucket: string) =>
      onLocal('browses buckets', async ({ blobs }) => {
        const objects: { key: string; size: number; lastModified: string }[] = []
        for await (const o of blobs.list({ name: bucket }, ''))
          objects.push({ key: o.key, size: o.size, lastModified: o.lastModified.toISOString() })
        return { bucket, objects }
      }),
    download: (bucket: string, key: string) =>
      onLocal('downloads objects', async ({ blobs }) => {
        const found = await blobs.get({ name: bucket }, key)
        if (!found)
          throw new XfnError('INVALID_OPTIONS', `There is no object '${key}' in bucket '${bucket}'.`)
        return found.body
      }),
    upload: (bucket: string, key: string, body: Uint8Array) =>
      onLocal('uploads objects', async ({ blobs }) => {
        await blobs.put({ name: bucket }, key, body, undefined)
        return { bucket, key, size: body.byteLength }
      }),
    remove: (bucket: string, key: string) =>
      onLocal('deletes objects', async ({ blobs }) => {
        await blobs.delete({ name: bucket }, key)
        return { bucket, key }
      }),
  }
}
