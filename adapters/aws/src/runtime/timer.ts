import { type Context, type FunctionDefinition, type TimerTrigger, timerTick } from '@xfn/core'
import type { ScheduledEvent, SchedulerEvent } from './events.js'

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
  await fn.handler(timerTick(scheduledAt, new Date(), event), context)
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
