import type { Context, FunctionDefinition, TimerTick, TimerTrigger } from '@xfn/core'
import type { ScheduledEvent, SchedulerEvent } from './events.js'

/** A tick that fires more than this long after its scheduled time is past due. */
export const pastDueAfterMs = 60_000

/**
 * Runs a timer. The scheduled time comes from the EventBridge rule's event (`time`) or from the
 * payload xfn's Scheduler schedules send; a thrown error fails the asynchronous invocation, which
 * Lambda retries twice.
 */
export async function handleTimer(
  fn: FunctionDefinition<TimerTrigger>,
  event: ScheduledEvent | SchedulerEvent,
  context: Context,
): Promise<void> {
  const scheduledAt = new Date('scheduledTime' in event ? event.scheduledTime : event.time)
  const firedAt = new Date()
  const tick: TimerTick<ScheduledEvent | SchedulerEvent> = {
    scheduledAt,
    firedAt,
    isPastDue: firedAt.getTime() - scheduledAt.getTime() > pastDueAfterMs,
    native: event,
  }
  await fn.handler(tick, context)
}

export function isTimerEvent(event: unknown): event is ScheduledEvent | SchedulerEvent {
  const candidate = event as {
    source?: unknown
    scheduledTime?: unknown
    time?: unknown
    'detail-type'?: unknown
  } | null
  if (candidate?.source === 'xfn.scheduler') return typeof candidate.scheduledTime === 'string'
  return candidate?.['detail-type'] === 'Scheduled Event' && typeof candidate.time === 'string'
}
