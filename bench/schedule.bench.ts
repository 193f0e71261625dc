import { nextFireTimes, parseSchedule } from '@xfn/core'
import { CronExpressionParser } from 'cron-parser'
import { compare } from './lib/compare.js'

const expression = '*/15 9-17 * * MON-FRI'
const schedule = parseSchedule({ schedule: expression }, 'bench')
const from = new Date('2027-01-01T00:00:00Z')

await compare(
  `The next 100 fire times of '${expression}'`,
  {
    name: 'cron-parser',
    fn: () => {
      const iterator = CronExpressionParser.parse(expression, { currentDate: from, tz: 'UTC' })
      for (let i = 0; i < 100; i++) iterator.next()
    },
  },
  [{ name: 'xfn nextFireTimes', fn: () => nextFireTimes(schedule, from, 100) }],
)
