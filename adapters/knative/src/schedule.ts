import { type CronFields, type ManifestFunction, parseSchedule, XfnError } from '@xfn/core'

/**
 * A timer's schedule as a PingSource takes it: five cron fields (minute to day of week), read in
 * the PingSource's time zone, which xfn sets to UTC as every cloud. Each field is written as the
 * list of its values, so the translation is exact; a schedule with seconds, or an interval that is
 * not on the clock, is refused.
 */
export function toPingSchedule(fn: ManifestFunction): string {
  if (fn.trigger.type !== 'timer') throw new Error(`function '${fn.name}' is no timer`)
  const schedule = parseSchedule(fn.trigger, `timer '${fn.name}'`)
  const subject = `timer '${fn.name}' (schedule '${schedule.source}')`
  if (!schedule.fields)
    throw new XfnError(
      'NOT_PORTABLE',
      `${subject} cannot run on knative: a PingSource fires on cron fields, so an interval must divide a minute, an hour or a day evenly`,
    )
  const fields: CronFields = schedule.fields
  if (fields.second.length !== 1 || fields.second[0] !== 0)
    throw new XfnError(
      'NOT_PORTABLE',
      `${subject} cannot run on knative: a PingSource fires on the minute and has no seconds field`,
    )
  const full = { minute: 60, hour: 24, dayOfMonth: 31, month: 12, dayOfWeek: 7 }
  const names = ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const
  // Cron matches a day on either day field when both are restricted, as a PingSource does; when
  // either of them then holds every day, so does the schedule.
  const everyDay =
    fields.daysMatchEither &&
    (fields.dayOfMonth.length === full.dayOfMonth || fields.dayOfWeek.length === full.dayOfWeek)
  return names
    .map((name) =>
      fields[name].length === full[name] || (everyDay && (name === 'dayOfMonth' || name === 'dayOfWeek'))
        ? '*'
        : fields[name].join(','),
    )
    .join(' ')
}
