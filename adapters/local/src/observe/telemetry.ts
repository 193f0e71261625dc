import { AsyncLocalStorage } from 'node:async_hooks'
import { closeSync, openSync, write, writeSync } from 'node:fs'
import { format } from 'node:util'
import type { LogEvent as CoreLogEvent, LogLevel, LogRecord } from '@xfn/core'
import { privateFileMode } from '../state.js'
import { MetricsRecorder } from './metrics.js'

/** One log event as `xfn logs` shows it, the same shape on every cloud. */
/** A log event of the local cloud: the neutral shape of every cloud. */
export type LogEvent = CoreLogEvent & { readonly cloud: 'local' }

/** The invocation a piece of code runs for, so console output can be attributed to it. */
export const currentInvocation = new AsyncLocalStorage<{ function: string; invocationId: string }>()

/** How long lines gather before they are written together. */
const flushEveryMs = 50

/**
 * Appends lines to a file in the background: lines gather for a moment and are written together,
 * so the request path never waits on the disk and a busy cloud makes few writes. (Queue messages,
 * which must not be lost, use the journal instead.)
 */
class LineWriter {
  readonly #fd: number
  #pending: string[] = []
  #timer: NodeJS.Timeout | undefined
  #inFlight = false
  #closing = false

  constructor(path: string) {
    this.#fd = openSync(path, 'a', privateFileMode)
  }

  push(line: string): void {
    this.#pending.push(line)
    if (!this.#timer && !this.#inFlight) this.#timer = setTimeout(() => this.#flush(), flushEveryMs).unref()
  }

  #flush(): void {
    this.#timer = undefined
    if (this.#pending.length === 0) return
    const chunk = `${this.#pending.join('\n')}\n`
    this.#pending = []
    this.#inFlight = true
    write(this.#fd, chunk, () => {
      this.#inFlight = false
      if (this.#closing) this.#finish()
      else if (this.#pending.length > 0) this.#timer = setTimeout(() => this.#flush(), flushEveryMs).unref()
    })
  }

  /** Writes what is pending now, as the process is about to exit (a write under way may land after it). */
  flushNow(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    try {
      if (this.#pending.length > 0) writeSync(this.#fd, `${this.#pending.join('\n')}\n`)
    } catch {
      // A full disk: these lines are lost, the exit goes on.
    }
    this.#pending = []
  }

  /** Writes what is pending, then closes the file (after a write under way, if any). */
  close(): void {
    this.#closing = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (!this.#inFlight) this.#finish()
  }

  #finish(): void {
    if (this.#pending.length > 0) writeSync(this.#fd, `${this.#pending.join('\n')}\n`)
    this.#pending = []
    closeSync(this.#fd)
  }
}

/** Where the local cloud records logs and invocations: `logs.jsonl` and `invocations.jsonl`. */
export class Telemetry {
  readonly #logs: LineWriter
  readonly #metrics: MetricsRecorder
  #restoreConsole: (() => void) | undefined

  constructor(paths: { logs: string; invocations: string }) {
    this.#logs = new LineWriter(paths.logs)
    this.#metrics = new MetricsRecorder(paths.invocations)
  }

  log(record: LogRecord): void {
    this.event({
      time: record.time,
      cloud: 'local',
      function: record.function,
      level: record.level,
      invocationId: record.invocationId,
      message: record.message,
      ...(record.fields ? { fields: record.fields } : {}),
      kind: 'app',
    })
  }

  event(event: LogEvent): void {
    this.#logs.push(JSON.stringify(event))
  }

  platform(
    fn: string,
    invocationId: string,
    level: LogLevel,
    message: string,
    fields?: Record<string, unknown>,
  ): void {
    this.event({
      time: new Date().toISOString(),
      cloud: 'local',
      function: fn,
      level,
      invocationId,
      message,
      ...(fields ? { fields } : {}),
      kind: 'platform',
    })
  }

  /** Counts an invocation for `xfn metrics`. */
  invocation(fn: string, trigger: string, durationMs: number, outcome: 'ok' | 'error' | 'timeout'): void {
    this.#metrics.record(fn, trigger, durationMs, outcome)
  }

  /** Records console output of handlers with their function and invocation, at the console method's level. */
  captureConsole(): void {
    const levels: Record<string, LogLevel> = {
      log: 'info',
      info: 'info',
      debug: 'debug',
      warn: 'warn',
      error: 'error',
    }
    const originals = new Map<string, (...args: unknown[]) => void>()
    const target = console as unknown as Record<string, (...args: unknown[]) => void>
    for (const [method, level] of Object.entries(levels)) {
      const original = target[method] as (...args: unknown[]) => void
      originals.set(method, original)
      target[method] = (...args: unknown[]) => {
        const invocation = currentInvocation.getStore()
        if (!invocation) return original.apply(console, args)
        this.event({
          time: new Date().toISOString(),
          cloud: 'local',
          function: invocation.function,
          level,
          invocationId: invocation.invocationId,
          message: format(...args),
          kind: 'app',
        })
      }
    }
    this.#restoreConsole = () => {
      for (const [method, original] of originals) target[method] = original
    }
  }

  /** Writes every pending line and count at once: the process exits next. */
  flushNow(): void {
    this.#logs.flushNow()
    this.#metrics.flush(true)
  }

  close(): void {
    this.#restoreConsole?.()
    this.#logs.close()
    this.#metrics.close()
  }
}
