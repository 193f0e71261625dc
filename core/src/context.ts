import type { Platform } from './errors.js'

export const logLevels = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof logLevels)[number]

/** One structured log line, as every adapter writes it and `xfn logs` reads it back. */
export interface LogRecord {
  readonly time: string
  readonly level: LogLevel
  readonly message: string
  readonly fields?: Readonly<Record<string, unknown>>
  readonly function: string
  readonly invocationId: string
  readonly cloud: Platform
}

/** Where log records go: each adapter supplies one (stdout JSON on Lambda, the Azure context, a file locally). */
export type LogSink = (record: LogRecord) => void

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/** What every handler receives beside its event. */
export interface Context {
  readonly invocationId: string
  readonly functionName: string
  readonly cloud: Platform
  /** When the platform will stop this invocation. */
  readonly deadline: Date
  /** Milliseconds left before {@link Context.deadline}. */
  remainingMs(): number
  readonly log: Logger
}

export interface ContextInit {
  readonly invocationId: string
  readonly functionName: string
  readonly cloud: Platform
  /** Milliseconds left before the platform stops the invocation. */
  readonly remainingMs: () => number
  readonly sink: LogSink
}

/**
 * Builds the context an adapter hands to a handler. It is a small object with shared methods, so
 * making one per invocation costs next to nothing; the deadline is computed only when read.
 *
 * @example
 * const deadline = Date.now() + 30_000
 * const ctx = createContext({ invocationId: 'abc', functionName: 'hello', cloud: 'local',
 *   remainingMs: () => deadline - Date.now(), sink: (r) => console.log(JSON.stringify(r)) })
 */
export function createContext(init: ContextInit): Context {
  return new InvocationContext(init)
}

class InvocationContext implements Context, Logger {
  readonly invocationId: string
  readonly functionName: string
  readonly cloud: Platform
  readonly #remainingMs: () => number
  readonly #sink: LogSink

  constructor(init: ContextInit) {
    this.invocationId = init.invocationId
    this.functionName = init.functionName
    this.cloud = init.cloud
    this.#remainingMs = init.remainingMs
    this.#sink = init.sink
  }

  get deadline(): Date {
    return new Date(Date.now() + this.remainingMs())
  }

  remainingMs(): number {
    return Math.max(0, this.#remainingMs())
  }

  get log(): Logger {
    return this
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.#write('debug', message, fields)
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.#write('info', message, fields)
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.#write('warn', message, fields)
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.#write('error', message, fields)
  }

  #write(level: LogLevel, message: string, fields: Record<string, unknown> | undefined): void {
    this.#sink({
      time: new Date().toISOString(),
      level,
      message: String(message),
      ...(fields === undefined ? {} : { fields: serializableFields(fields) }),
      function: this.functionName,
      invocationId: this.invocationId,
      cloud: this.cloud,
    })
  }
}

/** Errors do not survive JSON.stringify; keep their name, message and stack. */
function serializableFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    out[key] =
      value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value
  }
  return out
}
