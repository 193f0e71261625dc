import type { CronFields, Schedule } from './parse.js'

const maxYearsAhead = 8

/**
 * The next `count` instants (UTC) strictly after `after` at which a schedule fires. Intervals are
 * counted from the Unix epoch, so they fall on the same instants as their cron form.
 *
 * @example
 * nextFireTimes(parseCron('0 2 * * *', where), new Date('2027-01-01T00:00:00Z'), 2)
 * // [2027-01-01T02:00:00Z, 2027-01-02T02:00:00Z]
 */
export function nextFireTimes(schedule: Schedule, after: Date, count: number): Date[] {
  const out: Date[] = []
  let cursor = after.getTime()
  while (out.length < count) {
    const next =
      schedule.kind === 'interval'
        ? (Math.floor(cursor / 1000 / schedule.seconds) + 1) * schedule.seconds * 1000
        : nextCronTime(schedule.fields, cursor)
    if (next === undefined) break
    out.push(new Date(next))
    cursor = next
  }
  return out
}

function nextCronTime(fields: CronFields, afterMs: number): number | undefined {
  const limit = new Date(afterMs).getUTCFullYear() + maxYearsAhead
  const t = new Date(Math.floor(afterMs / 1000) * 1000 + 1000)
  while (t.getUTCFullYear() <= limit) {
    if (!fields.month.includes(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1)
      t.setUTCHours(0, 0, 0)
      continue
    }
    if (!dayMatches(fields, t)) {
      t.setUTCDate(t.getUTCDate() + 1)
      t.setUTCHours(0, 0, 0)
      continue
    }
    if (!fields.hour.includes(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0)
      continue
    }
    if (!fields.minute.includes(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0)
      continue
    }
    if (!fields.second.includes(t.getUTCSeconds())) {
      t.setUTCSeconds(t.getUTCSeconds() + 1)
      continue
    }
    return t.getTime()
  }
  return undefined
}

function dayMatches(fields: CronFields, t: Date): boolean {
  const byMonthDay = fields.dayOfMonth.includes(t.getUTCDate())
  const byWeekday = fields.dayOfWeek.includes(t.getUTCDay())
  return fields.daysMatchEither ? byMonthDay || byWeekday : byMonthDay && byWeekday
}

/**
 * The latest instant at or before `atOrBefore` at which a schedule fires: the scheduled time of
 * the firing that is running now, on a host that says only that it fired.
 *
 * @example
 * previousFireTime(parseCron('0 2 * * *', where), new Date('2027-01-05T02:00:03Z')) // 2027-01-05T02:00:00Z
 */
export function previousFireTime(schedule: Schedule, atOrBefore: Date): Date | undefined {
  const limit = atOrBefore.getTime()
  if (schedule.kind === 'interval') {
    const step = schedule.seconds * 1000
    return new Date(Math.floor(limit / step) * step)
  }
  // Look back over a window that doubles, from a minute up to the eight years a cron may skip.
  for (let window = 60_000; window <= maxYearsAhead * 366 * 86_400_000; window *= 2) {
    let latest: number | undefined
    let cursor = limit - window - 1000
    for (;;) {
      const next = nextCronTime(schedule.fields, cursor)
      if (next === undefined || next > limit) break
      latest = next
      cursor = next
    }
    if (latest !== undefined) return new Date(latest)
  }
  return undefined
}
