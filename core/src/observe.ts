import { type LogLevel, logLevels } from './context.js'
import type { Platform } from './errors.js'

/** One log event as `xfn logs` shows it, whichever cloud it came from. */
export interface LogEvent {
  readonly time: string
  readonly cloud: Platform
  readonly function: string
  readonly level: LogLevel
  readonly invocationId: string
  readonly message: string
  readonly fields?: Readonly<Record<string, unknown>>
  /** `app`: written by the handler; `platform`: written by the cloud (start, end, report, failures). */
  readonly kind: 'app' | 'platform'
}

/** The health of one function over a window, as `xfn metrics` shows it, whichever cloud it runs on. */
export interface FunctionMetrics {
  readonly function: string
  readonly trigger: string
  readonly invocations: number
  readonly errors: number
  readonly timeouts: number
  /** Calls the platform refused for lack of concurrency, where the cloud counts them. */
  readonly throttles?: number
  readonly p50Ms: number
  readonly p95Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  /** Invocations in each period from the start of the window to now, oldest first. */
  readonly series: readonly number[]
}

/** What `xfn logs` asks for, whichever cloud answers. */
export interface LogQuery {
  readonly functions?: readonly string[] | undefined
  readonly since?: Date | undefined
  readonly minLevel?: LogLevel | undefined
  readonly grep?: string | RegExp | undefined
  /** An invocation id, or its start as `xfn logs` prints it. */
  readonly invocationId?: string | undefined
  /** Keep reading as events come, until the signal aborts. */
  readonly follow?: AbortSignal | undefined
}

/** Whether a log event passes a query's filters: the one rule every cloud's reader applies. */
export function matchesLogQuery(event: LogEvent, query: LogQuery): boolean {
  const text = () => `${event.message} ${JSON.stringify(event.fields ?? {})}`
  return (
    (!query.functions?.length || query.functions.includes(event.function)) &&
    (!query.since || new Date(event.time) >= query.since) &&
    (!query.minLevel || logLevels.indexOf(event.level) >= logLevels.indexOf(query.minLevel)) &&
    (!query.invocationId || event.invocationId.startsWith(query.invocationId)) &&
    (!query.grep || (typeof query.grep === 'string' ? text().includes(query.grep) : query.grep.test(text())))
  )
}

/** Waits `ms`, or until the signal aborts; leaves no listener on the signal either way. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
