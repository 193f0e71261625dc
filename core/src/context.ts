import type { Cloud } from './errors.js'

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
  readonly cloud: Cloud
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
  readonly cloud: Cloud
  /** When the platform will stop this invocation. */
  readonly deadline: Date
  /** Milliseconds left before {@link Context.deadline}. */
  remainingMs(): number
  readonly log: Logger
}

export interface ContextInit {
  readonly invocationId: string
  readonly functionName: string
  readonly cloud: Cloud
  readonly deadline: Date
  readonly sink: LogSink
}

/**
 * Builds the context an adapter hands to a handler.
 *
 * @example
 * const ctx = createContext({ invocationId: 'abc', functionName: 'hello', cloud: 'local',
 *   deadline: new Date(Date.now() + 30_000), sink: (r) => console.log(JSON.stringify(r)) })
 */
export function createContext(init: ContextInit): Context {
  const write =
    (level: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      init.sink({
        time: new Date().toISOString(),
        level,
        message: String(message),
        ...(fields === undefined ? {} : { fields: serializableFields(fields) }),
        function: init.functionName,
        invocationId: init.invocationId,
        cloud: init.cloud,
      })
    }
  return {
    invocationId: init.invocationId,
    functionName: init.functionName,
    cloud: init.cloud,
    deadline: init.deadline,
    remainingMs: () => Math.max(0, init.deadline.getTime() - Date.now()),
    log: { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') },
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
