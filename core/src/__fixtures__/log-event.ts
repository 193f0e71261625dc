import type { LogEvent } from '../observe.js'

/** A handler's info line from one cloud at a given time, for tests of log streams. */
export const logEvent = (cloud: LogEvent['cloud'], time: string, message = 'm'): LogEvent => ({
  time,
  cloud,
  function: 'f',
  level: 'info',
  invocationId: 'i',
  message,
  kind: 'app',
})
