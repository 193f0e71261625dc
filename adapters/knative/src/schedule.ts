import { type CronFields, type ManifestFunction, parseSchedule, XfnError } from '@xfn/core'

/**
 * A timer's schedule as a PingSource takes it: five cron fields (minute to day of week) for
 * robfig/cron's standard parser, read in the PingSource's time zone, which xfn sets to UTC as
 * every cloud. Each field is written as the
 * list of its values, so the translation is exact; a schedule with seconds, or an interval that is
 * not on the clock, is refused.
 */
export function toPingSchedule(fn: ManifestFunction): string {
  const found = pingScheduleOf(fn)
  if ('problem' in found)
    throw new XfnError('NOT_PORTABLE', `function '${fn.name}' cannot run on knative: ${found.problem}`)
  return found.expression
}

/** A timer's PingSource schedule, or why it has none (`schedule '…': reason`, as `xfn check` words it). */
export function pingScheduleOf(fn: ManifestFunction): { expression: string } | { problem: string } {
  if (fn.trigger.type !== 'timer') throw new Error(`function '${fn.name}' is no timer`)
  const schedule = parseSchedule(fn.trigger, `timer '${fn.name}'`)
  const problem = (reason: string) => ({ problem: `schedule '${schedule.source}': ${reason}` })
  if (!schedule.fields)
    return problem(
      'a PingSource fires on cron fields, so an interval must divide a minute, an hour or a day evenly',
    )
  const fields: CronFields = schedule.fields
  if (fields.second.length !== 1 || fields.second[0] !== 0)
    return problem('a PingSource fires on the minute and has no seconds field')
  const full = { minute: 60, hour: 24, dayOfMonth: 31, month: 12, dayOfWeek: 7 }
  const names = ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const
  // Both read the day fields either-or when both are restricted (core's fields say so already
  // when one of them holds every day), so each field is written as it is.
  return {
    expression: names
      .map((name) => (fields[name].length === full[name] ? '*' : fields[name].join(',')))
      .join(' '),
  }
}
