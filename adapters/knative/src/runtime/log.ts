import type { IncomingHttpHeaders } from 'node:http'
import type { LogRecord, LogSink } from '@xfn/core'
import type { CloudEvent } from 'cloudevents'
import { type EventOutcome, eventOf } from './events.js'

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

/** The entry's line that ends an event's invocation, as Lambda's REPORT: its duration and outcome. */
export function platformLine(functionName: string, outcome: EventOutcome, durationMs: number): string {
  return `${JSON.stringify({
    time: new Date().toISOString(),
    level: outcome.ok ? 'info' : 'error',
    function: functionName,
    invocationId: outcome.id,
    message: outcome.ok ? `report: ${durationMs} ms` : `report: ${durationMs} ms, failed: ${outcome.error}`,
    fields: { durationMs, outcome: outcome.ok ? 'ok' : 'error' },
    kind: 'platform',
  })}\n`
}

/**
 * The line of a dead-lettered event: its id, its data as text (the message, byte for byte in
 * UTF-8), and the reason Knative's delivery adds as extensions (`knativeerrorcode`,
 * `knativeerrordest`, and `knativeerrordata`, the subscriber's answer in base64).
 */
export function deadLetterLine(functionName: string, headers: IncomingHttpHeaders, body: Buffer): string {
  let one: CloudEvent<unknown> | undefined
  try {
    one = eventOf(headers, body)
  } catch {
    one = undefined
  }
  const data = one?.data
  const text =
    typeof data === 'string'
      ? data
      : data instanceof Uint8Array
        ? Buffer.from(data).toString('utf8')
        : JSON.stringify(data ?? body.toString('utf8'))
  const reason = one?.knativeerrordata
    ? Buffer.from(String(one.knativeerrordata), 'base64').toString('utf8')
    : undefined
  return `${JSON.stringify({
    time: new Date().toISOString(),
    level: 'error',
    function: functionName,
    invocationId: one?.id ?? '',
    message: `message dead-lettered after ${one?.knativeerrorcode ? `answer ${one.knativeerrorcode}` : 'its last attempt'}`,
    fields: {
      body: text,
      ...(reason ? { reason } : {}),
      ...(one?.knativeerrordest ? { destination: String(one.knativeerrordest) } : {}),
    },
    kind: 'platform',
  })}\n`
}
