import type { LogLevel } from './context.js'
import type { Cloud } from './errors.js'

/** One log event as `xfn logs` shows it, whichever cloud it came from. */
export interface LogEvent {
  readonly time: string
  readonly cloud: Cloud
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
