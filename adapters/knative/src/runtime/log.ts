import type { LogRecord, LogSink } from '@xfn/core'
import type { EventOutcome } from './events.js'

/**
 * One JSON line per record on standard output, which the cluster keeps as the container's log and
 * `xfn logs` reads back through the Kubernetes API: the time, level, function, invocation, message
 * and fields, and `kind` (`app` from a handler, `platform` from xfn's entry).
 */
export function knativeLogSink(write: (line: string) => void): LogSink {
  return (record: LogRecord) =>
    write(
      `${JSON.stringify({
        time: record.time,
        level: record.level,
        function: record.function,
        invocationId: record.invocationId,
        message: record.message,
        ...(record.fields ? { fields: record.fields } : {}),
        kind: 'app',
      })}\n`,
    )
}

/** A line the entry writes itself (`kind: 'platform'`), in the shape of the handlers' lines. */
export function platformLine(line: {
  readonly level: 'info' | 'error'
  readonly function: string
  readonly invocationId: string
  readonly message: string
  readonly fields?: Readonly<Record<string, unknown>>
  /** Beside the record: the address the entry listens on, for whoever started it. */
  readonly listening?: string
}): string {
  return `${JSON.stringify({ time: new Date().toISOString(), ...line, kind: 'platform' })}\n`
}

/** The line that ends an invocation, as Lambda's REPORT: its duration and outcome. */
export function reportLine(functionName: string, outcome: EventOutcome, durationMs: number): string {
  return platformLine({
    level: outcome.ok ? 'info' : 'error',
    function: functionName,
    invocationId: outcome.id,
    message: outcome.ok ? `report: ${durationMs} ms` : `report: ${durationMs} ms, failed: ${outcome.error}`,
    fields: { durationMs, outcome: outcome.ok ? 'ok' : 'error' },
  })
}
