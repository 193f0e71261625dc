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
import type { Project } from './project.js'

/** `--cloud` of logs and metrics: one cloud, several comma-separated, or `all`. */
export const cloudsFlag = Flags.string({
  description: 'the clouds: local, aws, azure, comma-separated, or all',
  default: 'local',
})

export const observeFlags = { ...awsFlags, cloud: cloudsFlag }

/** The clouds asked for; `all` is every cloud xfn can read today, and says which it leaves out. */
export function cloudsOf(text: string, notice: (line: string) => void): Cloud[] {
  if (text === 'all') {
    notice(
      'Azure is left out: reading its logs and metrics from Application Insights is not built yet (issue #9).',
    )
    return ['local', 'aws']
  }
  const names = text.split(',').map((name) => name.trim())
  for (const name of names) {
    if (name === 'azure')
      throw new XfnError(
        'INVALID_OPTIONS',
        '--cloud azure: reading logs and metrics from Application Insights is not built yet (issue #9); open the Function App in the Azure portal meanwhile.',
      )
    if (name !== 'local' && name !== 'aws')
      throw new XfnError(
        'INVALID_OPTIONS',
        `--cloud: unknown cloud '${name}'. Choose local, aws, azure, comma-separated, or all.`,
      )
  }
  return [...new Set(names)] as Cloud[]
}

type AwsFlagValues = { stage?: string | undefined; region?: string | undefined; profile?: string | undefined }

/** The log events of one cloud, filtered; with `follow`, then the new ones as they come. */
export async function logsOf(
  cloud: Cloud,
  project: Project,
  flags: AwsFlagValues,
  query: LogQuery,
  notice: (line: string) => void,
): Promise<AsyncIterable<LogEvent>> {
  if (cloud === 'local') {
    const { readLogs, statePaths } = await import('@xfn/local')
    const paths = statePaths(project.dir)
    if (!query.follow && !existsSync(paths.logs))
      notice(
        `No logs recorded for ${project.app} on the local cloud yet. Deploy it with 'xfn deploy --cloud local'.`,
      )
    return readLogs(paths, query)
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
  flags: AwsFlagValues,
  window: { since?: Date | undefined; periodMs?: number | undefined },
): Promise<FunctionMetrics[]> {
  if (cloud === 'local') {
    const { readMetrics, statePaths } = await import('@xfn/local')
    return readMetrics(statePaths(project.dir), window)
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
