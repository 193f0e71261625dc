import awsCron from 'aws-cron-parser'
import { CronExpressionParser } from 'cron-parser'
import { describe, expect, it } from 'vitest'
import { PortabilityError } from '../errors.js'
import {
  nextFireTimes,
  parseSchedule,
  previousFireTime,
  type ScheduleInput,
  toAwsSchedule,
  toAzureSchedule,
} from './index.js'

/**
 * Each translation is checked by evaluation: the source (read by cron-parser, an independent
 * library), our own next-fire computation, the EventBridge expression (read by aws-cron-parser)
 * and the NCRONTAB expression (read by cron-parser) must fire at the same instants.
 */
type Expect = 'same' | 'error' | RegExp

/**
 * aws-cron-parser rolls a day that a month lacks over into the next month (it answers 1 March for
 * day 29 of February 2027), which EventBridge does not do; for these sources its answers are read
 * without the rolled-over instants.
 */
const awsParserRollsOver = new Set(['0 0 31 * *', '0 0 29 2 *'])
const corpus: [input: ScheduleInput, aws: Expect, azure: Expect][] = [
  [{ schedule: '* * * * *' }, 'same', 'same'],
  [{ schedule: '*/5 * * * *' }, 'same', 'same'],
  [{ schedule: '0 * * * *' }, 'same', 'same'],
  [{ schedule: '30 2 * * *' }, 'same', 'same'],
  [{ schedule: '0 0 * * 0' }, 'same', 'same'],
  [{ schedule: '0 0 * * 7' }, 'same', 'same'],
  [{ schedule: '0 9 * * MON-FRI' }, 'same', 'same'],
  [{ schedule: '15 10 * * SAT,SUN' }, 'same', 'same'],
  [{ schedule: '0 0 1 * *' }, 'same', 'same'],
  [{ schedule: '0 0 1 1 *' }, 'same', 'same'],
  [{ schedule: '0 12 15 * *' }, 'same', 'same'],
  [{ schedule: '0 0 31 * *' }, 'same', 'same'],
  [{ schedule: '0 0 29 2 *' }, 'same', 'same'],
  [{ schedule: '5,10,15 * * * *' }, 'same', 'same'],
  [{ schedule: '0 8-18 * * *' }, 'same', 'same'],
  [{ schedule: '0 8-18/2 * * 1-5' }, 'same', 'same'],
  [{ schedule: '*/15 9-17 * * MON-FRI' }, 'same', 'same'],
  [{ schedule: '0 0 */2 * *' }, 'same', 'same'],
  [{ schedule: '0 0 1-7 * *' }, 'same', 'same'],
  [{ schedule: '0 6 * JAN,JUL *' }, 'same', 'same'],
  [{ schedule: '0 0 1 */3 *' }, 'same', 'same'],
  [{ schedule: '45 23 * * 5' }, 'same', 'same'],
  [{ schedule: '0 0 * * 1-5' }, 'same', 'same'],
  [{ schedule: '0 22 * * 1,3,5' }, 'same', 'same'],
  [{ schedule: '1-5 0 * * *' }, 'same', 'same'],
  [{ schedule: '0 0 * 2 *' }, 'same', 'same'],
  [{ schedule: '0 0 1 * 0-6' }, 'same', 'same'],
  [{ schedule: '10/20 * * * *' }, 'same', 'same'],
  [{ schedule: '0 0 0 * * *' }, 'same', 'same'],
  [{ schedule: '0 30 15 10 * *' }, 'same', 'same'],
  [{ schedule: '0 */10 * * * *' }, 'same', 'same'],
  [{ schedule: '0 0 12 * * 1-5' }, 'same', 'same'],
  [{ schedule: '*/30 * * * * *' }, /no seconds field/, 'same'],
  [{ schedule: '15 * * * * *' }, /no seconds field/, 'same'],
  [{ schedule: '0 9 1 * MON' }, /both the day of the month and the day of the week/, /day matching either/],
  [{ schedule: '0 0 13 * 5' }, /both the day of the month and the day of the week/, /day matching either/],
  [{ every: '1 minute' }, 'same', 'same'],
  [{ every: '5 minutes' }, 'same', 'same'],
  [{ every: '15 minutes' }, 'same', 'same'],
  [{ every: '30 minutes' }, 'same', 'same'],
  [{ every: '60 minutes' }, 'same', 'same'],
  [{ every: '1 hour' }, 'same', 'same'],
  [{ every: '2 hours' }, 'same', 'same'],
  [{ every: '6 hours' }, 'same', 'same'],
  [{ every: '1 day' }, 'same', 'same'],
  [{ every: '30 seconds' }, /no seconds field/, 'same'],
  [{ every: '45 seconds' }, /at most once a minute/, /divide a minute, an hour or a day evenly/],
  [{ every: '7 minutes' }, 'same', /divide a minute, an hour or a day evenly/],
  [{ every: '90 minutes' }, 'same', /divide a minute, an hour or a day evenly/],
  [{ every: '2 days' }, 'same', /divide a minute, an hour or a day evenly/],
]

const start = new Date('2027-01-01T00:00:00Z')
const end = new Date('2029-01-01T00:00:00Z')
const fullPassCap = 1500
const windowSize = 25

/** Instants from a `next(after)` function: a pass from the start, then a short window in every month. */
function sample(next: (after: Date) => Date | undefined): string[] {
  const out: string[] = []
  const collect = (from: Date, cap: number) => {
    let cursor: Date | undefined = from
    for (let i = 0; i < cap; i++) {
      cursor = next(cursor)
      if (!cursor || cursor >= end) return
      out.push(cursor.toISOString())
    }
  }
  collect(start, fullPassCap)
  for (let month = 0; month < 24; month++) collect(new Date(Date.UTC(2027, month, 14, 7, 3, 11)), windowSize)
  return out
}

function viaCronParser(expression: string) {
  return sample((after) =>
    CronExpressionParser.parse(expression, { currentDate: after, tz: 'UTC' }).next().toDate(),
  )
}

function viaAwsCronParser(expression: string) {
  const inner = /^cron\((.*)\)$/.exec(expression)?.[1]
  if (!inner) throw new Error(`not a cron() expression: ${expression}`)
  const parsed = awsCron.parse(inner)
  return sample((after) => awsCron.next(parsed, after) ?? undefined)
}

/** What the source means, read independently of our parser. */
function sourceInstants(input: ScheduleInput): string[] {
  if (input.schedule !== undefined) return viaCronParser(input.schedule)
  const seconds = parseSchedule(input, 'test').kind === 'interval' ? intervalSeconds(input.every ?? '') : 0
  return sample((after) => new Date((Math.floor(after.getTime() / 1000 / seconds) + 1) * seconds * 1000))
}

function intervalSeconds(text: string): number {
  const [amount = '', unit = ''] = text.split(' ')
  const units: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400 }
  return Number(amount) * (units[unit.replace(/s$/, '')] ?? Number.NaN)
}

describe('schedule translation, by evaluation', () => {
  it('has a corpus of at least 40 schedules', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40)
  })

  it.each(corpus)('%o', (input, aws, azure) => {
    const schedule = parseSchedule(input, `app.timer('t')`)
    const expected = sourceInstants(input)
    expect(expected.length).toBeGreaterThan(0)
    expect(sample((after) => nextFireTimes(schedule, after, 1)[0])).toEqual(expected)

    if (aws === 'same') {
      const translated = toAwsSchedule(schedule, 't')
      const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(translated)
      if (rate) {
        // A rate counts from when the rule is made, so only its period can match the source.
        expect(intervalSeconds(`${rate[1]} ${rate[2]}`)).toBe(intervalSeconds(input.every ?? ''))
        expect(schedule.kind === 'interval' && schedule.fields === undefined).toBe(true)
      } else {
        const instants = viaAwsCronParser(translated)
        const dayOfMonth = Number(input.schedule?.split(' ')[2])
        const kept = awsParserRollsOver.has(input.schedule ?? '')
          ? instants.filter((instant) => new Date(instant).getUTCDate() === dayOfMonth)
          : instants
        expect(kept).toEqual(expected)
      }
    } else {
      expectPortabilityError(() => toAwsSchedule(schedule, 't'), 'aws', aws)
    }

    if (azure === 'same') {
      const translated = toAzureSchedule(schedule, 't')
      expect(translated.split(' ')).toHaveLength(6)
      expect(viaCronParser(translated)).toEqual(expected)
    } else {
      expectPortabilityError(() => toAzureSchedule(schedule, 't'), 'azure', azure)
    }
  })
})

function expectPortabilityError(run: () => unknown, cloud: string, message: Expect) {
  let thrown: unknown
  try {
    run()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(PortabilityError)
  expect((thrown as PortabilityError).cloud).toBe(cloud)
  expect((thrown as PortabilityError).message).toMatch(/^timer 't' \(schedule '.*'\) cannot run on/)
  if (message instanceof RegExp) expect((thrown as PortabilityError).reason).toMatch(message)
}

describe('translated forms', () => {
  it.each([
    [{ schedule: '0 9 * * MON-FRI' }, 'cron(0 9 ? * 2-6 *)', '0 0 9 * * 1-5'],
    [{ schedule: '0 0 1 * *' }, 'cron(0 0 1 * ? *)', '0 0 0 1 * *'],
    [{ every: '5 minutes' }, 'cron(0/5 * * * ? *)', '0 0-59/5 * * * *'],
    [{ every: '90 minutes' }, 'rate(90 minutes)', undefined],
    [{ every: '2 days' }, 'rate(2 days)', undefined],
    [{ every: '1 day' }, 'cron(0 0 * * ? *)', '0 0 0 * * *'],
  ] as const)('%o gives %s and %s', (input, aws, azure) => {
    const schedule = parseSchedule(input, 'x')
    expect(toAwsSchedule(schedule, 't')).toBe(aws)
    if (azure) expect(toAzureSchedule(schedule, 't')).toBe(azure)
  })
})

describe('the previous fire time', () => {
  it.each([
    [{ schedule: '0 2 * * *' }, '2027-01-05T02:00:03Z', '2027-01-05T02:00:00.000Z'],
    [{ schedule: '0 2 * * *' }, '2027-01-05T01:59:59Z', '2027-01-04T02:00:00.000Z'],
    [{ schedule: '0 0 1 1 *' }, '2027-06-01T00:00:00Z', '2027-01-01T00:00:00.000Z'],
    [{ schedule: '0 0 29 2 *' }, '2031-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    [{ schedule: '*/10 * * * * *' }, '2027-01-01T00:00:15Z', '2027-01-01T00:00:10.000Z'],
    [{ every: '5 minutes' }, '2027-01-01T00:07:00Z', '2027-01-01T00:05:00.000Z'],
    [{ every: '7 minutes' }, '1970-01-01T00:20:59Z', '1970-01-01T00:14:00.000Z'],
  ] as const)('of %o at %s is %s', (input, at, expected) => {
    expect(previousFireTime(parseSchedule(input, 'test'), new Date(at))?.toISOString()).toBe(expected)
  })
})
