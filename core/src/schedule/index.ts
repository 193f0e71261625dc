import { XfnError } from '../errors.js'
import { describe } from '../options.js'
import { parseCron, parseEvery, type Schedule } from './parse.js'

export { nextFireTimes, previousFireTime } from './next.js'
export type { CronFields, Schedule } from './parse.js'
export { parseCron, parseEvery } from './parse.js'
export { toAwsSchedule, toAzureSchedule } from './translate.js'

/** What a timer is given: a cron or NCRONTAB `schedule`, or an interval with `every`. */
export interface ScheduleInput {
  readonly schedule?: string
  readonly every?: string
}

/**
 * The one parser for every way of writing a schedule.
 *
 * @example
 * parseSchedule({ every: '15 minutes' }, "app.timer('poll')")
 */
export function parseSchedule(input: ScheduleInput, where: string): Schedule {
  if ((input.schedule === undefined) === (input.every === undefined)) {
    throw new XfnError(
      'INVALID_SCHEDULE',
      `${where}: give exactly one of 'schedule' (cron, such as '0 2 * * *') or 'every' (such as '5 minutes').`,
    )
  }
  if (input.every !== undefined) {
    if (typeof input.every !== 'string')
      throw new XfnError(
        'INVALID_SCHEDULE',
        `${where}: every must be a string, got ${describe(input.every)}.`,
      )
    return parseEvery(input.every, where)
  }
  if (typeof input.schedule !== 'string') {
    throw new XfnError(
      'INVALID_SCHEDULE',
      `${where}: schedule must be a string, got ${describe(input.schedule)}.`,
    )
  }
  return parseCron(input.schedule, where)
}
