import { XfnError } from '../errors.js'

/** The sets of values a clock-aligned schedule fires on, one sorted list per field (UTC). */
export interface CronFields {
  readonly second: readonly number[]
  readonly minute: readonly number[]
  readonly hour: readonly number[]
  readonly dayOfMonth: readonly number[]
  readonly month: readonly number[]
  /** 0 to 6, Sunday is 0. */
  readonly dayOfWeek: readonly number[]
  /**
   * Vixie cron semantics: when both day fields are restricted (neither starts with `*` or is `?`),
   * a day matches if it matches either of them; otherwise it must match both.
   */
  readonly daysMatchEither: boolean
}

/**
 * A normalized schedule. `cron` fires on clock-aligned fields. `interval` fires every `seconds`,
 * counted from the Unix epoch where xfn controls the clock (local, Azure); `fields` is set when the
 * same instants are expressible as cron fields.
 */
export type Schedule =
  | { readonly kind: 'cron'; readonly source: string; readonly fields: CronFields }
  | {
      readonly kind: 'interval'
      readonly source: string
      readonly seconds: number
      readonly fields: CronFields | undefined
    }

interface FieldRange {
  readonly name: keyof Omit<CronFields, 'daysMatchEither'>
  readonly min: number
  readonly max: number
  readonly names?: readonly string[]
}

const secondRange: FieldRange = { name: 'second', min: 0, max: 59 }
const cronRanges: readonly FieldRange[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'dayOfMonth', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'dayOfWeek', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
]

/** The ranges of each field, for the translators. */
export const fieldLimits = {
  second: { min: 0, max: 59 },
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  dayOfMonth: { min: 1, max: 31 },
  month: { min: 1, max: 12 },
  dayOfWeek: { min: 0, max: 6 },
} as const

const daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * Parses a 5-field cron (`min hour dom month dow`), a 6-field NCRONTAB with seconds first
 * (`sec min hour dom month dow`), all in UTC.
 *
 * @example
 * parseCron('0 2 * * MON-FRI', "app.timer('nightly')").fields.dayOfWeek // [1, 2, 3, 4, 5]
 */
export function parseCron(expression: string, where: string): Schedule & { kind: 'cron' } {
  const fail = (why: string): never => {
    throw new XfnError('INVALID_SCHEDULE', `${where}: schedule '${expression}' ${why}.`)
  }
  const parts = expression.trim().split(/\s+/)
  if (parts.length !== 5 && parts.length !== 6) {
    return fail(
      `has ${parts.length} fields; write 5 (minute hour day-of-month month day-of-week) or 6 with seconds first, or use { every: '5 minutes' }`,
    )
  }
  const ranges = parts.length === 6 ? [secondRange, ...cronRanges] : cronRanges
  const values: Partial<Record<FieldRange['name'], number[]>> = { second: [0] }
  ranges.forEach((range, index) => {
    values[range.name] = parseField(parts[index] as string, range, fail)
  })
  const dayText = parts[parts.length - 3] as string
  const weekdayText = parts[parts.length - 1] as string
  const restricted = (text: string) => !text.startsWith('*') && text !== '?'
  const dayOfMonth = values.dayOfMonth ?? []
  const dayOfWeek = [...new Set((values.dayOfWeek ?? []).map((d) => d % 7))].sort((a, b) => a - b)
  const either = restricted(dayText) && restricted(weekdayText)
  // With either-day matching, a day field that lists every day makes every day match.
  const everyDay = either && (dayOfMonth.length === 31 || dayOfWeek.length === 7)
  const fields: CronFields = {
    second: values.second ?? [0],
    minute: values.minute ?? [],
    hour: values.hour ?? [],
    dayOfMonth: everyDay ? span(1, 31, 1) : dayOfMonth,
    month: values.month ?? [],
    dayOfWeek: everyDay ? span(0, 6, 1) : dayOfWeek,
    daysMatchEither: either && !everyDay,
  }
  if (!fields.daysMatchEither && fields.dayOfWeek.length === 7) {
    const possible = fields.month.some((m) => fields.dayOfMonth.some((d) => d <= (daysInMonth[m - 1] ?? 0)))
    if (!possible) fail('never fires: no chosen month has the chosen day of the month')
  }
  return { kind: 'cron', source: expression, fields }
}

function parseField(text: string, range: FieldRange, fail: (why: string) => never): number[] {
  const label = range.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
  if (text === '?') {
    if (range.name !== 'dayOfMonth' && range.name !== 'dayOfWeek')
      fail(`uses '?' in the ${label} field; only the day fields take it`)
    return span(range.min, range.name === 'dayOfWeek' ? 6 : range.max, 1)
  }
  if (/[LW#]/i.test(text.replace(/[A-Z]{3}/gi, (n) => (range.names?.includes(n.toUpperCase()) ? '0' : n)))) {
    fail(
      `uses L, W or # in the ${label} field ('${text}'); these exist on AWS only, so they are not portable`,
    )
  }
  const result = new Set<number>()
  for (const item of text.split(',')) {
    const [base = '', stepText, extra] = item.split('/')
    if (extra !== undefined) fail(`has two '/' in '${item}' (${label} field)`)
    const step = stepText === undefined ? 1 : Number(stepText)
    if (!Number.isInteger(step) || step < 1) fail(`has a bad step '/${stepText}' in the ${label} field`)
    let low: number
    let high: number
    const top = range.name === 'dayOfWeek' ? 6 : range.max
    if (base === '*') {
      low = range.min
      high = top
    } else {
      const [lowText = '', highText, more] = base.split('-')
      if (more !== undefined) fail(`has a bad range '${base}' in the ${label} field`)
      low = value(lowText, range, label, fail)
      high =
        highText === undefined ? (stepText === undefined ? low : top) : value(highText, range, label, fail)
      if (low > high)
        fail(`has the range '${base}' in the ${label} field that runs backwards; write it as two ranges`)
    }
    for (const v of span(low, high, step)) result.add(v)
  }
  return [...result].sort((a, b) => a - b)
}

function value(text: string, range: FieldRange, label: string, fail: (why: string) => never): number {
  const named = range.names?.indexOf(text.toUpperCase()) ?? -1
  const number =
    named >= 0 ? named + (range.name === 'month' ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (Number.isNaN(number))
    fail(`has '${text}' in the ${label} field, which is not a number${range.names ? ' or a name' : ''}`)
  if (number < range.min || number > range.max) {
    fail(`has ${number} in the ${label} field, outside ${range.min}-${range.max}`)
  }
  return number
}

function span(low: number, high: number, step: number): number[] {
  const out: number[] = []
  for (let v = low; v <= high; v += step) out.push(v)
  return out
}

const units = { second: 1, minute: 60, hour: 3600, day: 86400 } as const

/**
 * Parses an interval such as `'5 minutes'`, `'1 hour'` or `'30 seconds'`.
 * When the interval divides the next larger clock unit evenly, it is also given as cron fields, so
 * every cloud fires at the same clock-aligned instants.
 */
export function parseEvery(text: string, where: string): Schedule & { kind: 'interval' } {
  const match = /^\s*(\d+)\s*(second|minute|hour|day)s?\s*$/i.exec(text)
  if (!match) {
    throw new XfnError(
      'INVALID_SCHEDULE',
      `${where}: every '${text}' is not an interval; write a whole number and a unit, such as '5 minutes', '1 hour' or '30 seconds'.`,
    )
  }
  const amount = Number(match[1])
  const seconds = amount * units[(match[2] as string).toLowerCase() as keyof typeof units]
  if (seconds <= 0)
    throw new XfnError('INVALID_SCHEDULE', `${where}: every '${text}' must be longer than zero.`)
  return { kind: 'interval', source: text.trim(), seconds, fields: alignedFields(seconds) }
}

function alignedFields(seconds: number): CronFields | undefined {
  const all = (name: keyof typeof fieldLimits) => span(fieldLimits[name].min, fieldLimits[name].max, 1)
  const base = {
    second: [0],
    minute: [0],
    hour: [0],
    dayOfMonth: all('dayOfMonth'),
    month: all('month'),
    dayOfWeek: all('dayOfWeek'),
    daysMatchEither: false,
  }
  if (seconds < 60)
    return 60 % seconds === 0
      ? { ...base, second: span(0, 59, seconds), minute: all('minute'), hour: all('hour') }
      : undefined
  if (seconds < 3600) {
    const minutes = seconds / 60
    return Number.isInteger(minutes) && 60 % minutes === 0
      ? { ...base, minute: span(0, 59, minutes), hour: all('hour') }
      : undefined
  }
  if (seconds < 86400) {
    const hours = seconds / 3600
    return Number.isInteger(hours) && 24 % hours === 0 ? { ...base, hour: span(0, 23, hours) } : undefined
  }
  return seconds === 86400 ? base : undefined
}
