import type { LogEvent } from '@xfn/core'
import { expect, it } from 'vitest'
import { logEvent as event } from '../../core/src/__fixtures__/log-event.js'
import { cloudsOf, eachCloud, mergeInTimeOrder } from './observe.js'

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

it('reads --cloud lists', () => {
  expect(cloudsOf('local,aws')).toEqual(['local', 'aws'])
  expect(cloudsOf('all')).toEqual(['local', 'aws', 'azure'])
  expect(cloudsOf('azure, azure')).toEqual(['azure'])
  expect(() => cloudsOf('gcp')).toThrow("--cloud: unknown cloud 'gcp'")
})

it('leaves out, and names, a cloud that cannot be read when there are others; alone, its error is the error', async () => {
  const notices: string[] = []
  const read = async (cloud: string) => {
    if (cloud === 'azure') throw new Error('No Azure subscription is set.')
    return `${cloud} events`
  }
  expect(await eachCloud(['local', 'azure'], read, (n) => notices.push(n))).toEqual([
    { cloud: 'local', value: 'local events' },
  ])
  expect(notices).toEqual(['azure is left out: No Azure subscription is set.'])
  await expect(eachCloud(['azure'], read, () => undefined)).rejects.toThrow('No Azure subscription is set.')
})
