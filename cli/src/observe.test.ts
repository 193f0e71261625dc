import type { LogEvent } from '@xfn/core'
import { expect, it } from 'vitest'
import { cloudsOf, mergeInTimeOrder } from './observe.js'

const event = (cloud: 'local' | 'aws', time: string, message = 'm'): LogEvent => ({
  time,
  cloud,
  function: 'f',
  level: 'info',
  invocationId: 'i',
  message,
  kind: 'app',
})

async function* stream(events: LogEvent[], gapMs = 0) {
  for (const e of events) {
    if (gapMs) await new Promise((resolve) => setTimeout(resolve, gapMs))
    yield e
  }
}

it('merges the events of several clouds in time order', async () => {
  const merged: string[] = []
  for await (const e of mergeInTimeOrder(
    [
      stream([event('local', '2026-01-01T00:00:01Z'), event('local', '2026-01-01T00:00:04Z')], 5),
      stream([event('aws', '2026-01-01T00:00:02Z'), event('aws', '2026-01-01T00:00:03Z')], 20),
    ],
    100,
  ))
    merged.push(`${e.cloud} ${e.time}`)
  expect(merged).toEqual([
    'local 2026-01-01T00:00:01Z',
    'aws 2026-01-01T00:00:02Z',
    'aws 2026-01-01T00:00:03Z',
    'local 2026-01-01T00:00:04Z',
  ])
})

it('reads --cloud lists, and names what it cannot read', () => {
  const notices: string[] = []
  expect(cloudsOf('local,aws', (n) => notices.push(n))).toEqual(['local', 'aws'])
  expect(cloudsOf('all', (n) => notices.push(n))).toEqual(['local', 'aws'])
  expect(notices).toEqual([
    'Azure is left out: reading its logs and metrics from Application Insights is not built yet (issue #9).',
  ])
  expect(() => cloudsOf('azure', () => undefined)).toThrow(
    'reading logs and metrics from Application Insights is not built yet (issue #9)',
  )
  expect(() => cloudsOf('gcp', () => undefined)).toThrow("--cloud: unknown cloud 'gcp'")
})
