import { type ManifestFunction, nextFireTimes, parseSchedule } from '@xfn/core'
import { CronExpressionParser } from 'cron-parser'
import { describe, expect, it } from 'vitest'
import { toPingSchedule } from './schedule.js'

const timer = (trigger: { schedule: string } | { every: string }): ManifestFunction =>
  ({
    name: 'tick',
    trigger: { type: 'timer', ...trigger },
    timeoutSeconds: 30,
    memoryMb: 256,
    uses: [],
  }) as never

/*
 * A PingSource reads its schedule with robfig/cron's standard parser (eventing's mtping adapter):
 * five fields, the day fields matched either-or when both are restricted, as Vixie cron and the
 * cron-parser package do. The translation is held to cron-parser's reading of the expression it
 * makes, against core's own fire times of the schedule as written.
 */
describe('a timer as a PingSource schedule', () => {
  const after = new Date('2026-02-27T13:07:00Z')
  const fireTimes = (expression: string) => {
    const parsed = CronExpressionParser.parse(expression, { currentDate: after, tz: 'UTC' })
    return Array.from({ length: 40 }, () => parsed.next().toDate())
  }
  it.each([
    [{ schedule: '0 2 * * *' }, '0 2 * * *'],
    [{ schedule: '*/15 * * * *' }, '0,15,30,45 * * * *'],
    [{ schedule: '30 9 * * MON-FRI' }, '30 9 * * 1,2,3,4,5'],
    [{ schedule: '0 0 1,15 * *' }, '0 0 1,15 * *'],
    [{ schedule: '0 12 1 * 1' }, '0 12 1 * 1'],
    [{ schedule: '0 12 1-31 * 1' }, '0 12 * * *'],
    [{ schedule: '5 4 * 2 SUN' }, '5 4 * 2 0'],
    [{ every: '5 minutes' }, '0,5,10,15,20,25,30,35,40,45,50,55 * * * *'],
    [{ every: '6 hours' }, '0 0,6,12,18 * * *'],
    [{ every: '1 day' }, '0 0 * * *'],
  ])('%o is %s, firing when the schedule does', (trigger, expected) => {
    const fn = timer(trigger)
    const expression = toPingSchedule(fn)
    expect(expression).toBe(expected)
    const schedule = parseSchedule(trigger, 'tick')
    expect(fireTimes(expression)).toEqual(nextFireTimes(schedule, after, 40))
  })

  it.each([
    [{ every: '7 minutes' }, 'an interval must divide a minute, an hour or a day evenly'],
    [{ every: '90 seconds' }, 'an interval must divide a minute, an hour or a day evenly'],
    [{ every: '30 seconds' }, 'has no seconds field'],
  ])('refuses %o: %s', (trigger, reason) => {
    expect(() => toPingSchedule(timer(trigger))).toThrow(reason)
  })
})
