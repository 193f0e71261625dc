import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs'
import { type LogLevel, logLevels } from '@xfn/core'
import type { StatePaths } from './state.js'
import type { InvocationRecord, LogEvent } from './telemetry.js'

export interface LogQuery {
  readonly functions?: readonly string[]
  readonly since?: Date
  readonly minLevel?: LogLevel
  readonly grep?: string | RegExp
  readonly invocationId?: string
  /** Keep reading as lines are added, until the signal aborts. */
  readonly follow?: AbortSignal
}

/** The local cloud's log events, oldest first, filtered; with `follow`, new ones as they come. */
export async function* readLogs(paths: StatePaths, query: LogQuery = {}): AsyncIterable<LogEvent> {
  const rank = (level: LogLevel) => logLevels.indexOf(level)
  const keep = (event: LogEvent) =>
    (!query.functions?.length || query.functions.includes(event.function)) &&
    (!query.since || new Date(event.time) >= query.since) &&
    (!query.minLevel || rank(event.level) >= rank(query.minLevel)) &&
    (!query.invocationId || event.invocationId.startsWith(query.invocationId)) &&
    (!query.grep ||
      (typeof query.grep === 'string'
        ? `${event.message} ${JSON.stringify(event.fields ?? {})}`.includes(query.grep)
        : query.grep.test(`${event.message} ${JSON.stringify(event.fields ?? {})}`)))
  for await (const line of tailLines(paths.logs, query.follow)) {
    const event = parse<LogEvent>(line)
    if (event && keep(event)) yield event
  }
}

export interface FunctionMetrics {
  readonly function: string
  readonly trigger: string
  readonly invocations: number
  readonly errors: number
  readonly timeouts: number
  readonly p50Ms: number
  readonly p95Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

/** Invocations, errors and duration percentiles of every function, from the invocation records. */
export async function readMetrics(paths: StatePaths, since?: Date): Promise<FunctionMetrics[]> {
  const byFunction = new Map<string, InvocationRecord[]>()
  for await (const line of tailLines(paths.invocations)) {
    const record = parse<InvocationRecord>(line)
    if (!record || (since && new Date(record.time) < since)) continue
    byFunction.set(record.function, [...(byFunction.get(record.function) ?? []), record])
  }
  return [...byFunction.entries()]
    .map(([name, records]) => {
      const durations = records.map((r) => r.durationMs).sort((a, b) => a - b)
      const at = (p: number) =>
        durations[Math.min(durations.length - 1, Math.ceil(p * durations.length) - 1)] ?? 0
      return {
        function: name,
        trigger: records[0]?.trigger ?? '',
        invocations: records.length,
        errors: records.filter((r) => r.outcome !== 'ok').length,
        timeouts: records.filter((r) => r.outcome === 'timeout').length,
        p50Ms: at(0.5),
        p95Ms: at(0.95),
        p99Ms: at(0.99),
        maxMs: durations.at(-1) ?? 0,
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

/** The lines of a file; with a signal, then the lines appended to it, until the signal aborts. */
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
        for (const line of lines) if (line) yield line
      }
    }
    if (!follow || follow.aborted) return
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 200)
      follow.addEventListener(
        'abort',
        () => {
          clearTimeout(timer)
          resolve(undefined)
        },
        { once: true },
      )
    })
  }
}
