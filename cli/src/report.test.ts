import { expect, it } from 'vitest'
import { sparkline } from './report.js'
import { parseDuration, parseSince } from './time.js'

it('draws invocations over time scaled to the busiest period, with a dot for none', () => {
  expect(sparkline([0, 1, 2, 4, 8])).toBe('·▁▂▄█')
  expect(sparkline([])).toBe('')
})

it('reads durations and times, and names the flag when it cannot', () => {
  expect(parseDuration('15m', '--period')).toBe(900_000)
  expect(() => parseDuration('15 minutes', '--period')).toThrow("--period: '15 minutes' is not a duration")
  // Two hours back from now, within a minute (the wall clock here can step).
  expect(Math.abs(Date.now() - parseSince('2h').getTime() - 7_200_000)).toBeLessThan(60_000)
  expect(parseSince('2026-11-22T10:00:00Z').toISOString()).toBe('2026-11-22T10:00:00.000Z')
})
