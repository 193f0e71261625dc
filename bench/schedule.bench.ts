import { nextFireTimes, parseSchedule } from '@xfn/core'
import { CronExpressionParser } from 'cron-parser'
import { bench, describe } from 'vitest'

const expression = '*/15 9-17 * * MON-FRI'
const schedule = parseSchedule({ schedule: expression }, 'bench')
const from = new Date('2027-01-01T00:00:00Z')

describe('the next 100 fire times of a weekday cron', () => {
  bench('baseline: cron-parser', () => {
    const iterator = CronExpressionParser.parse(expression, { currentDate: from, tz: 'UTC' })
    for (let i = 0; i < 100; i++) iterator.next()
  })

  bench('xfn: nextFireTimes', () => {
    nextFireTimes(schedule, from, 100)
  })
})
