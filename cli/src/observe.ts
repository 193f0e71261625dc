import { existsSync } from 'node:fs'
import { Flags } from '@oclif/core'
import {
  type Cloud,
  type FunctionMetrics,
  type LogEvent,
  type LogQuery,
  matchesLogQuery,
  XfnError,
} from '@xfn/core'
import { awsFlags, connectWithManifest } from './aws.js'
import { azureFlags, connectAzure } from './azure.js'
import { commandLine } from './hints.js'
import type { Project } from './project.js'

/** `--cloud` of logs and metrics: one cloud, several comma-separated, or `all`. */
export const cloudsFlag = Flags.string({
  description: 'the clouds: local, aws, azure, comma-separated, or all',
  default: 'local',
})

export const observeFlags = { ...awsFlags, ...azureFlags, cloud: cloudsFlag }

/** The clouds asked for: one, several comma-separated, or `all`. */
export function cloudsOf(text: string): Cloud[] {
  if (text === 'all') return ['local', 'aws', 'azure']
  const names = text.split(',').map((name) => name.trim())
  for (const name of names) {
    if (name !== 'local' && name !== 'aws' && name !== 'azure')
      throw new XfnError(
        'INVALID_OPTIONS',
        `--cloud: unknown cloud '${name}'. Choose local, aws, azure, comma-separated, or all.`,
      )
  }
  return [...new Set(names)] as Cloud[]
}

type CloudFlagValues = {
  stage?: string | undefined
  region?: string | undefined
  profile?: string | undefined
  subscription?: string | undefined
  location?: string | undefined
  'resource-group'?: string | undefined
}

/**
 * Runs `read` for each cloud. With several clouds, one that cannot be read (no credentials,
 * nothing deployed) is a notice and the others go on; with one, its error is the command's.
 */
export async function eachCloud<T>(
  clouds: readonly Cloud[],
  read: (cloud: Cloud) => Promise<T>,
  notice: (line: string) => void,
): Promise<{ cloud: Cloud; value: T }[]> {
  const outcomes = await Promise.allSettled(clouds.map(read))
  const failures = outcomes.flatMap((o, i) =>
    o.status === 'rejected' ? [{ cloud: clouds[i], error: o.reason }] : [],
  )
  if (clouds.length === 1 || failures.length === clouds.length) {
    const first = failures[0]
    if (first) throw first.error
  }
  for (const { cloud, error } of failures)
    notice(`${cloud} is left out: ${error instanceof Error ? error.message : String(error)}`)
  return outcomes.flatMap((o, i) =>
    o.status === 'fulfilled' ? [{ cloud: clouds[i] as Cloud, value: o.value }] : [],
  )
}

/** Application Insights on Azure: the app's workspace and role name, and a query client. */
async function azureTelemetry(project: Project, flags: CloudFlagValues) {
  const { deploy, clients, target } = await connectAzure(project, flags)
  const observe = await import('@xfn/azure/observe')
  const source = await deploy.logSource(clients, target)
  const client = observe.createLogsClient(clients.credential, {
    endpoint: process.env.XFN_AZURE_LOGS_ENDPOINT,
    tls: clients.tls,
  })
  return { observe, source, client }
}

/** The log events of one cloud, filtered; with `follow`, then the new ones as they come. */
export async function logsOf(
  cloud: Cloud,
  project: Project,
  flags: CloudFlagValues,
  query: LogQuery,
  notice: (line: string) => void,
): Promise<AsyncIterable<LogEvent>> {
  if (cloud === 'local') {
    const { readLogs, statePaths } = await import('@xfn/local')
    const paths = statePaths(project.dir)
    if (!query.follow && !existsSync(paths.logs))
      notice(
        `No logs recorded for ${project.app} on the local cloud yet. Deploy it with '${commandLine(['deploy'], project.dir)}'.`,
      )
    return readLogs(paths, query)
  }
  if (cloud === 'azure') {
    const { observe, source, client } = await azureTelemetry(project, flags)
    const since = query.since ?? new Date(Date.now() - 15 * 60_000)
    const history = await observe.readAzureLogs(client, source, {
      since,
      until: new Date(),
      functions: query.functions,
    })
    const follow = query.follow
    if (follow)
      notice(
        'Azure: following by polling every 10 s; Application Insights shows a line 20 s to a few minutes after it is written.',
      )
    return (async function* () {
      for (const event of history) if (matchesLogQuery(event, query)) yield event
      if (!follow) return
      const seen = new Set(history.map(observe.eventKey))
      for await (const event of observe.followAzureLogs(client, source, follow, {
        functions: query.functions,
        seen,
      }))
        if (matchesLogQuery(event, { ...query, since: undefined })) yield event
    })()
  }
  const { clients, target, manifest } = await connectWithManifest(project, flags)
  const observe = await import('@xfn/aws/observe')
  const sources = observe.awsSources(target, manifest, query.functions ?? [])
  const history = await observe.readLogHistory(clients.logs, sources, {
    since: query.since ?? new Date(Date.now() - 15 * 60_000),
  })
  const follow = query.follow
  return (async function* () {
    for (const event of history) if (matchesLogQuery(event, query)) yield event
    if (!follow) return
    for await (const event of observe.followLogs(clients.logs, sources, follow, notice))
      if (matchesLogQuery(event, { ...query, since: undefined })) yield event
  })()
}

/** The metrics of one cloud's functions over a window. */
export async function metricsOf(
  cloud: Cloud,
  project: Project,
  flags: CloudFlagValues,
  window: { since?: Date | undefined; periodMs?: number | undefined },
  notice: (line: string) => void = () => undefined,
): Promise<FunctionMetrics[]> {
  if (cloud === 'local') {
    const { readMetrics, statePaths } = await import('@xfn/local')
    return readMetrics(statePaths(project.dir), { ...window, warn: notice })
  }
  if (cloud === 'azure') {
    const { loadManifest } = await import('./load-app.js')
    const manifest = await loadManifest(project, { XFN_CLOUD: 'azure' })
    const { observe, source, client } = await azureTelemetry(project, flags)
    const until = new Date()
    const since = window.since ?? new Date(until.getTime() - 3_600_000)
    const periodSeconds = Math.max(
      60,
      Math.round((window.periodMs ?? (until.getTime() - since.getTime()) / 24) / 1000),
    )
    return observe.readAzureMetrics(
      client,
      source,
      manifest.functions.map((fn) => ({ name: fn.name, trigger: fn.trigger.type })),
      { since, until, periodSeconds },
    )
  }
  const { clients, target, manifest } = await connectWithManifest(project, flags)
  const observe = await import('@xfn/aws/observe')
  const until = new Date()
  const since = window.since ?? new Date(until.getTime() - 3_600_000)
  // CloudWatch periods are multiples of 60 s for standard metrics.
  const periodSeconds = Math.max(
    60,
    Math.round((window.periodMs ?? (until.getTime() - since.getTime()) / 24) / 60_000) * 60,
  )
  return observe.readAwsMetrics(clients.cloudwatch, observe.awsSources(target, manifest), {
    since,
    until,
    periodSeconds,
  })
}

/**
 * Merges event streams in time order. Each event waits `windowMs` before it is shown, so a line
 * that arrives a little late from another cloud still takes its place; history comes out sorted.
 */
export async function* mergeInTimeOrder(
  streams: AsyncIterable<LogEvent>[],
  windowMs: number,
): AsyncIterable<LogEvent> {
  const held: { event: LogEvent; arrived: number }[] = []
  let open = streams.length
  let wake: (() => void) | undefined
  for (const stream of streams)
    void (async () => {
      try {
        for await (const event of stream) {
          held.push({ event, arrived: Date.now() })
          wake?.()
        }
      } finally {
        open--
        wake?.()
      }
    })()
  while (open > 0 || held.length > 0) {
    held.sort((a, b) => (a.event.time < b.event.time ? -1 : a.event.time > b.event.time ? 1 : 0))
    const due = open === 0 ? held.length : held.findIndex((h) => Date.now() - h.arrived < windowMs)
    const ready = held.splice(0, due < 0 ? held.length : due)
    for (const { event } of ready) yield event
    if (open === 0 && held.length === 0) return
    await new Promise<void>((resolve) => {
      wake = resolve
      setTimeout(resolve, windowMs / 4)
    })
  }
}
