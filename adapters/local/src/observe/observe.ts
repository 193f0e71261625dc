import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs'
import { type FunctionMetrics, type LogQuery, matchesLogQuery, pause } from '@xfn/core'
import type { StatePaths } from '../state.js'
import { bucketLimit, type Counts, type MetricsLine } from './metrics.js'
import type { LogEvent } from './telemetry.js'

export type { LogQuery } from '@xfn/core'

/** The local cloud's log events, oldest first, filtered; with `follow`, new ones as they come. */
export async function* readLogs(paths: StatePaths, query: LogQuery = {}): AsyncIterable<LogEvent> {
  for await (const line of tailLines(paths.logs, query.follow)) {
    const event = line === '' ? undefined : parse<LogEvent>(line)
    if (event && matchesLogQuery(event, query)) yield event
  }
}

export interface MetricsQuery {
  readonly since?: Date | undefined
  /** The length of each point of `series`; by default the window is cut into 24. */
  readonly periodMs?: number | undefined
  /** Told of each damaged record, which is skipped. */
  readonly warn?: (message: string) => void
}

/** Whether a parsed line has the shape the metrics recorder writes (a hand-edited or cut file may not). */
function isMetricsLine(value: unknown): value is MetricsLine {
  const line = value as Partial<MetricsLine> | null
  return (
    typeof line === 'object' &&
    line !== null &&
    Number.isFinite(line.time) &&
    typeof line.function === 'string' &&
    typeof line.trigger === 'string' &&
    [line.count, line.errors, line.timeouts, line.maxMs].every(Number.isFinite) &&
    typeof line.histogram === 'object' &&
    line.histogram !== null &&
    Object.values(line.histogram).every(Number.isFinite)
  )
}

/** Invocations, errors and duration percentiles of every function, from the per-second counts. */
export async function readMetrics(paths: StatePaths, query: MetricsQuery = {}): Promise<FunctionMetrics[]> {
  const { since } = query
  const totals = new Map<string, Counts>()
  const calls: { function: string; time: number; count: number }[] = []
  let earliest = Number.POSITIVE_INFINITY
  let lineNumber = 0
  for await (const line of tailLines(paths.invocations)) {
    lineNumber++
    if (line === '') continue
    const window = parse<unknown>(line)
    if (!isMetricsLine(window)) {
      query.warn?.(`${paths.invocations} line ${lineNumber} is damaged; it was skipped`)
      continue
    }
    if (since && window.time + 1000 <= since.getTime()) continue
    earliest = Math.min(earliest, window.time)
    calls.push({ function: window.function, time: window.time, count: window.count })
    const total = totals.get(window.function) ?? {
      trigger: window.trigger,
      count: 0,
      errors: 0,
      timeouts: 0,
      maxMs: 0,
      histogram: new Map(),
    }
    total.count += window.count
    total.errors += window.errors
    total.timeouts += window.timeouts
    total.maxMs = Math.max(total.maxMs, window.maxMs)
    for (const [bucket, count] of Object.entries(window.histogram)) {
      total.histogram.set(Number(bucket), (total.histogram.get(Number(bucket)) ?? 0) + count)
    }
    totals.set(window.function, total)
  }
  const end = Date.now()
  const start = since?.getTime() ?? Math.min(end - 60_000, earliest)
  const periodMs = query.periodMs ?? Math.max(1000, Math.ceil((end - start) / 24 / 1000) * 1000)
  const points = Math.max(1, Math.ceil((end - start) / periodMs))
  const series = new Map<string, number[]>()
  for (const call of calls) {
    const counts = series.get(call.function) ?? Array<number>(points).fill(0)
    const index = Math.min(points - 1, Math.max(0, Math.floor((call.time - start) / periodMs)))
    counts[index] = (counts[index] ?? 0) + call.count
    series.set(call.function, counts)
  }
  return [...totals.entries()]
    .map(([name, total]) => {
      const buckets = [...total.histogram.entries()].sort((a, b) => a[0] - b[0])
      const at = (p: number) => {
        const wanted = Math.ceil(p * total.count)
        let seen = 0
        for (const [bucket, count] of buckets) {
          seen += count
          if (seen >= wanted) return Math.min(bucketLimit(bucket), total.maxMs)
        }
        return total.maxMs
      }
      return {
        function: name,
        trigger: total.trigger,
        invocations: total.count,
        errors: total.errors,
        timeouts: total.timeouts,
        p50Ms: at(0.5),
        p95Ms: at(0.95),
        p99Ms: at(0.99),
        maxMs: total.maxMs,
        series: series.get(name) ?? [],
      }
    })
    .sort((a, b) => a.function.localeCompare(b.function))
}

function parse<T>(line: string): T | undefined {
  try {
    return JSON.parse(line) as T
  } catch {
    return undefined
  }
}

/** The lines of a file (empty ones too, so they can be counted); with a signal, then the lines appended to it, until the signal aborts. */
async function* tailLines(path: string, follow?: AbortSignal): AsyncIterable<string> {
  let offset = 0
  let rest = ''
  for (;;) {
    if (existsSync(path)) {
      const size = statSync(path).size
      if (size < offset) offset = 0
      if (size > offset) {
        const fd = openSync(path, 'r')
        const buffer = Buffer.alloc(size - offset)
        readSync(fd, buffer, 0, buffer.length, offset)
        closeSync(fd)
        offset = size
        const lines = (rest + buffer.toString('utf8')).split('\n')
        rest = lines.pop() ?? ''
        yield* lines
      }
    }
    if (!follow || follow.aborted) return
    await pause(200, follow)
  }
}
