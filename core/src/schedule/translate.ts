import { PortabilityError } from '../errors.js'
import { type CronFields, fieldLimits, type Schedule } from './parse.js'

type FieldName = keyof typeof fieldLimits

/**
 * The EventBridge form of a schedule: `cron(min hour dom month dow year)` or `rate(n unit)`.
 * Exact or a {@link PortabilityError}: EventBridge has no seconds, numbers Sunday as 1, takes `?` in
 * one of the two day fields, and cannot OR them as Vixie cron does.
 *
 * @example
 * toAwsSchedule(parseCron('30 2 * * MON-FRI', where), 'nightly') // 'cron(30 2 ? * 2-6 *)'
 */
export function toAwsSchedule(schedule: Schedule, functionName: string): string {
  const subject = `timer '${functionName}' (schedule '${schedule.source}')`
  if (schedule.kind === 'interval' && schedule.fields === undefined) {
    if (schedule.seconds % 60 !== 0) {
      throw new PortabilityError(
        subject,
        'aws',
        'EventBridge schedules fire at most once a minute; choose whole minutes',
      )
    }
    return `rate(${rateText(schedule.seconds / 60)})`
  }
  const fields = schedule.fields as CronFields
  if (fields.second.length !== 1 || fields.second[0] !== 0) {
    throw new PortabilityError(
      subject,
      'aws',
      'EventBridge schedules fire on the minute and have no seconds field',
    )
  }
  const days = dayFields(fields)
  if (days.both) {
    throw new PortabilityError(
      subject,
      'aws',
      'EventBridge cannot restrict both the day of the month and the day of the week in one rule; restrict one, or split it into two timers',
    )
  }
  const dayOfMonth = days.weekdays ? '?' : compact(fields.dayOfMonth, 'dayOfMonth', 'aws')
  const dayOfWeek = days.weekdays ? runs(fields.dayOfWeek.map((d) => d + 1)) : '?'
  const minute = compact(fields.minute, 'minute', 'aws')
  const hour = compact(fields.hour, 'hour', 'aws')
  return `cron(${minute} ${hour} ${dayOfMonth} ${compact(fields.month, 'month', 'aws')} ${dayOfWeek} *)`
}

/**
 * The NCRONTAB form of a schedule for an Azure timer trigger: six fields, seconds first, UTC.
 * Exact or a {@link PortabilityError}: NCRONTAB cannot express intervals that do not divide the
 * next clock unit, nor Vixie's OR of the two day fields.
 *
 * @example
 * toAzureSchedule(parseEvery('5 minutes', where), 'poll') // '0 0-55/5 * * * *'
 */
export function toAzureSchedule(schedule: Schedule, functionName: string): string {
  const subject = `timer '${functionName}' (schedule '${schedule.source}')`
  if (schedule.kind === 'interval' && schedule.fields === undefined) {
    throw new PortabilityError(
      subject,
      'azure',
      'NCRONTAB fires on clock boundaries, so an interval must divide a minute, an hour or a day evenly (such as 5 minutes or 6 hours), or be exactly one day',
    )
  }
  const fields = schedule.fields as CronFields
  if (dayFields(fields).both) {
    throw new PortabilityError(
      subject,
      'azure',
      'NCRONTAB cannot restrict both the day of the month and the day of the week as cron does (a day matching either); restrict one, or split it into two timers',
    )
  }
  const names: FieldName[] = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek']
  return names.map((name) => compact(fields[name], name, 'azure')).join(' ')
}

function dayFields(fields: CronFields) {
  const monthDays = fields.dayOfMonth.length < 31
  const weekdays = fields.dayOfWeek.length < 7
  return { both: monthDays && weekdays, weekdays }
}

/** Writes a set of values in the shortest form both syntaxes share: `*`, a stepped range, or a list. */
function compact(values: readonly number[], name: FieldName, cloud: 'aws' | 'azure'): string {
  const { min, max } = fieldLimits[name]
  if (values.length === max - min + 1) return '*'
  const first = values[0] as number
  const step = (values[1] ?? first) - first
  const stepped =
    values.length > 2 &&
    values.every((v, i) => v === first + i * step) &&
    (values.at(-1) as number) + step > max &&
    name !== 'dayOfWeek'
  if (stepped) return cloud === 'aws' ? `${first}/${step}` : `${first}-${max}/${step}`
  return runs(values)
}

/** A sorted list of values as a list of runs: `1-5,7,9,10`. */
function runs(values: readonly number[]): string {
  const out: string[] = []
  let start = values[0] as number
  for (let i = 1; i <= values.length; i++) {
    const previous = values[i - 1] as number
    if (values[i] === previous + 1) continue
    out.push(
      previous - start >= 2
        ? `${start}-${previous}`
        : start === previous
          ? `${start}`
          : `${start},${previous}`,
    )
    start = values[i] as number
  }
  return out.join(',')
}

function rateText(minutes: number): string {
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day')
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour')
  return plural(minutes, 'minute')
}

function plural(amount: number, unit: string): string {
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`
}
