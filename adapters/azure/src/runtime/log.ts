import type { InvocationContext } from '@azure/functions'
import type { LogRecord, LogSink } from '@xfn/core'

/**
 * Sends each record to the invocation's logger at its level, so Application Insights gets the
 * severity, as one JSON line that keeps the structured fields for `xfn logs`.
 */
export function azureLogSink(invocation: InvocationContext): LogSink {
  return (record: LogRecord) => {
    const line = JSON.stringify({
      timestamp: record.time,
      level: record.level.toUpperCase(),
      invocationId: record.invocationId,
      message: record.message,
      function: record.function,
      ...(record.fields ? { fields: record.fields } : {}),
    })
    invocation[record.level](line)
  }
}
