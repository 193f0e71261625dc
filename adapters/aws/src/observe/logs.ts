import {
  type CloudWatchLogsClient,
  FilterLogEventsCommand,
  type LiveTailSessionLogEvent,
  StartLiveTailCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import { type LogEvent, type LogLevel, pause } from '@xfn/core'
import { errorName, isMissing } from '../deploy/errors.js'

/** A function's log group: `/aws/lambda/<physical name>`, and the logical name shown. */
export interface LogSource {
  readonly function: string
  readonly group: string
  /** The group's ARN, which Live Tail takes. */
  readonly arn: string
}

const levels: Record<string, LogLevel> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  FATAL: 'error',
}

/**
 * One CloudWatch line of a Lambda function as a neutral event: xfn's JSON lines, Lambda's JSON
 * format (console lines and `platform.*` records), and the text format (console lines, START,
 * END, REPORT). REPORT gives the duration, the memory and, on a cold start, the init time.
 */
export function parseLambdaLine(source: string, text: string, timestamp: number): LogEvent {
  const base = { cloud: 'aws' as const, function: source, time: new Date(timestamp).toISOString() }
  const line = text.trimEnd()
  if (line.startsWith('{')) {
    try {
      return fromJson(base, JSON.parse(line) as Record<string, unknown>)
    } catch {
      // Not JSON after all: read it as text.
    }
  }
  const platform = /^(START|END|REPORT) RequestId: ([\w-]+)(.*)$/s.exec(line)
  if (platform) {
    const [, kind = '', requestId = '', rest = ''] = platform
    const fields = kind === 'REPORT' ? reportFields(rest) : undefined
    return {
      ...base,
      level: 'info',
      invocationId: requestId,
      message: kind === 'START' ? 'start' : kind === 'END' ? 'end' : reportMessage(fields ?? {}),
      ...(fields ? { fields } : {}),
      kind: 'platform',
    }
  }
  const console = /^(\S+)\t([\w-]+)\t(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\t(.*)$/s.exec(line)
  if (console)
    return {
      ...base,
      time: console[1] ?? base.time,
      invocationId: console[2] ?? '',
      level: levels[console[3] ?? 'INFO'] ?? 'info',
      message: console[4] ?? '',
      kind: 'app',
    }
  return {
    ...base,
    level: /error|exception|timed out/i.test(line) ? 'error' : 'info',
    invocationId: '',
    message: line,
    kind: 'platform',
  }
}

function fromJson(
  base: { cloud: 'aws'; function: string; time: string },
  record: Record<string, unknown>,
): LogEvent {
  if (typeof record.type === 'string' && record.type.startsWith('platform.')) {
    const body = (record.record ?? {}) as {
      requestId?: string
      metrics?: Record<string, number>
      status?: string
    }
    const kind = record.type.slice('platform.'.length)
    const fields =
      kind === 'report' && body.metrics
        ? {
            durationMs: body.metrics.durationMs,
            billedDurationMs: body.metrics.billedDurationMs,
            memorySizeMb: body.metrics.memorySizeMB,
            maxMemoryUsedMb: body.metrics.maxMemoryUsedMB,
            ...(body.metrics.initDurationMs === undefined
              ? {}
              : { initDurationMs: body.metrics.initDurationMs, coldStart: true }),
          }
        : undefined
    return {
      ...base,
      time: typeof record.time === 'string' ? record.time : base.time,
      level: body.status && body.status !== 'success' ? 'error' : 'info',
      invocationId: body.requestId ?? '',
      message:
        kind === 'start'
          ? 'start'
          : kind === 'runtimeDone'
            ? 'end'
            : kind === 'report'
              ? reportMessage(fields ?? {})
              : kind,
      ...(fields ? { fields } : {}),
      kind: 'platform',
    }
  }
  const level = levels[String(record.level ?? 'INFO').toUpperCase()] ?? 'info'
  const fields = record.fields as Record<string, unknown> | undefined
  return {
    ...base,
    time: typeof record.timestamp === 'string' ? record.timestamp : base.time,
    level,
    invocationId: String(record.requestId ?? ''),
    message: typeof record.message === 'string' ? record.message : JSON.stringify(record.message),
    ...(fields ? { fields } : {}),
    kind: 'app',
  }
}

function reportFields(rest: string): Record<string, unknown> {
  const number = (label: string) => {
    const found = new RegExp(`${label}: ([\\d.]+)`).exec(rest)
    return found ? Number(found[1]) : undefined
  }
  const init = number('Init Duration')
  return {
    durationMs: number('(?<!Billed )Duration'),
    billedDurationMs: number('Billed Duration'),
    memorySizeMb: number('Memory Size'),
    maxMemoryUsedMb: number('Max Memory Used'),
    ...(init === undefined ? {} : { initDurationMs: init, coldStart: true }),
  }
}

function reportMessage(fields: Record<string, unknown>): string {
  const cold = fields.initDurationMs === undefined ? '' : `, cold start ${fields.initDurationMs} ms`
  return `report: ${fields.durationMs} ms, ${fields.maxMemoryUsedMb}/${fields.memorySizeMb} MB${cold}`
}

/**
 * The logs of several functions between two times, oldest first: FilterLogEvents over each log
 * group, every page, de-duplicated by event id. A group that does not exist belongs to a function
 * never invoked, which has no logs: not an error.
 */
export async function readLogHistory(
  client: CloudWatchLogsClient,
  sources: readonly LogSource[],
  window: { since?: Date | undefined; until?: Date | undefined },
): Promise<LogEvent[]> {
  const pages = await Promise.all(
    sources.map(async (source) => {
      const seen = new Set<string>()
      const events: LogEvent[] = []
      let nextToken: string | undefined
      try {
        do {
          const page = await client.send(
            new FilterLogEventsCommand({
              logGroupName: source.group,
              ...(window.since ? { startTime: window.since.getTime() } : {}),
              ...(window.until ? { endTime: window.until.getTime() } : {}),
              nextToken,
            }),
          )
          for (const event of page.events ?? []) {
            const id = event.eventId ?? `${event.timestamp}/${event.logStreamName}/${event.message}`
            if (seen.has(id)) continue
            seen.add(id)
            events.push(parseLambdaLine(source.function, event.message ?? '', event.timestamp ?? 0))
          }
          nextToken = page.nextToken
        } while (nextToken)
      } catch (error) {
        if (!isMissing(error)) throw error
      }
      return events
    }),
  )
  return pages.flat().sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
}

/** Live Tail takes at most 10 log groups per session. */
export const liveTailGroups = 10
/** A session that ends sooner than this ended early: the next waits, longer each time, up to the longest pause. */
const earlyEndMs = 60_000
const firstPauseMs = 1000
const longestPauseMs = 30_000
/** How many recent events are remembered to drop the repeats a new session sends. */
const rememberedEvents = 10_000

/**
 * New log events as they come, until the signal aborts: CloudWatch Live Tail, one session per 10
 * log groups, started again when a session ends (they last 3 hours; one that ends early is started
 * again after a pause that doubles, from 1 s to 30 s, while sessions keep ending early), each
 * event given once though a new session sends it again. If Live Tail is denied or unavailable,
 * polls FilterLogEvents every 2 s instead, and says so once through `notice`.
 */
export async function* followLogs(
  client: CloudWatchLogsClient,
  sources: readonly LogSource[],
  signal: AbortSignal,
  notice: (message: string) => void,
  options: { pollMs?: number } = {},
): AsyncIterable<LogEvent> {
  const queue: LogEvent[] = []
  let wake: (() => void) | undefined
  const push = (event: LogEvent) => {
    queue.push(event)
    wake?.()
  }
  const recent = new Set<string>()
  /** Whether an event was not given yet; the oldest remembered are forgotten first. */
  const firstTime = (key: string) => {
    if (recent.has(key)) return false
    recent.add(key)
    if (recent.size > rememberedEvents) recent.delete(recent.values().next().value as string)
    return true
  }
  let polling = false
  const byGroup = new Map(sources.map((s) => [s.arn, s] as const))
  const byName = new Map(sources.map((s) => [s.group, s] as const))
  const poll = async () => {
    let since = new Date()
    const seen = new Set<string>()
    while (!signal.aborted) {
      const until = new Date()
      for (const event of await readLogHistory(client, sources, { since }))
        if (!seen.has(`${event.time}${event.function}${event.message}`)) {
          seen.add(`${event.time}${event.function}${event.message}`)
          push(event)
        }
      since = new Date(until.getTime() - 5000)
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000))
    }
  }
  const tail = async (group: readonly LogSource[]) => {
    let pauseMs = 0
    while (!signal.aborted && !polling) {
      if (pauseMs > 0) await pause(pauseMs, signal)
      if (signal.aborted) return
      const started = Date.now()
      try {
        const session = await client.send(
          new StartLiveTailCommand({ logGroupIdentifiers: group.map((s) => s.arn) }),
          { abortSignal: signal },
        )
        for await (const part of session.responseStream ?? []) {
          for (const event of (part.sessionUpdate?.sessionResults ?? []) as LiveTailSessionLogEvent[]) {
            const key = [event.logGroupIdentifier, event.logStreamName, event.timestamp, event.message].join(
              ' ',
            )
            if (!firstTime(key)) continue
            const source =
              byGroup.get(event.logGroupIdentifier ?? '') ??
              byName.get(event.logGroupIdentifier ?? '') ??
              group[0]
            if (source)
              push(parseLambdaLine(source.function, event.message ?? '', event.timestamp ?? Date.now()))
          }
          if (signal.aborted) return
        }
        pauseMs =
          Date.now() - started < earlyEndMs
            ? Math.min(Math.max(pauseMs * 2, firstPauseMs), longestPauseMs)
            : 0
      } catch (error) {
        if (signal.aborted) return
        if (!polling) {
          polling = true
          notice(
            `Live Tail is not available (${errorName(error) || 'error'}: ${error instanceof Error ? error.message : String(error)}); polling the log groups every 2 s instead.`,
          )
          void poll()
        }
        return
      }
    }
  }
  for (let i = 0; i < sources.length; i += liveTailGroups) void tail(sources.slice(i, i + liveTailGroups))
  while (!signal.aborted) {
    const next = queue.shift()
    if (next) {
      yield next
      continue
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done)
        resolve()
      }
      wake = done
      signal.addEventListener('abort', done, { once: true })
    })
    wake = undefined
  }
}
