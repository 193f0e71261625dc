import type { LogLevel, LogRecord, LogSink } from '@xfn/core'

const levelRank: Record<string, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 }
const upper: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' }

/**
 * Writes one JSON line per record, in the shape of Lambda's JSON log format (`timestamp`, `level`,
 * `requestId`, `message`), plus the function and the structured `fields`. Lambda sends each line
 * to CloudWatch as one event, where `xfn logs` and filter patterns read it. Records below
 * `AWS_LAMBDA_LOG_LEVEL` (set by the function's LoggingConfig) are dropped, as Lambda does.
 */
export function lambdaLogSink(write: (line: string) => void = (line) => process.stdout.write(line)): LogSink {
  const minimum = levelRank[(process.env.AWS_LAMBDA_LOG_LEVEL ?? 'DEBUG').toUpperCase()] ?? 0
  return (record: LogRecord) => {
    const level = upper[record.level]
    if ((levelRank[level] ?? 0) < minimum) return
    const line = {
      timestamp: record.time,
      level,
      requestId: record.invocationId,
      message: record.message,
      function: record.function,
      ...(record.fields ? { fields: record.fields } : {}),
    }
    write(`${JSON.stringify(line)}\n`)
  }
}
