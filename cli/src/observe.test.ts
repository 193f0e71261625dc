import type { LogEvent, Target } from '@xfn/core'
import { expect, it } from 'vitest'
import { logEvent as event } from '../../core/src/__fixtures__/log-event.js'
import { eachTarget, mergeInTimeOrder } from './observe.js'
import type { Project } from './project.js'
import { targetsNamed } from './targets/registry.js'

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

it('reads --cloud lists', async () => {
  const project = { dir: '.', app: 'a', entry: 'src/index.ts', config: {} } as Project
  const names = async (text: string) => (await targetsNamed(project, text)).map((t) => t.name)
  expect(await names('local,aws')).toEqual(['local', 'aws'])
  expect(await names('all')).toEqual(['local', 'aws', 'azure', 'knative'])
  expect(await names('azure, azure')).toEqual(['azure'])
  await expect(names('gcp')).rejects.toThrow("--cloud: unknown cloud 'gcp'")
})

it('leaves out, and names, a cloud that cannot be read when there are others; alone, its error is the error', async () => {
  const notices: string[] = []
  const read = async (target: Target) => {
    if (target.name === 'azure') throw new Error('No Azure subscription is set.')
    return `${target.name} events`
  }
  const local = { name: 'local' } as Target
  const azure = { name: 'azure' } as Target
  expect(await eachTarget([local, azure], read, (n) => notices.push(n))).toEqual([
    { target: local, value: 'local events' },
  ])
  expect(notices).toEqual(['azure is left out: No Azure subscription is set.'])
  await expect(eachTarget([azure], read, () => undefined)).rejects.toThrow('No Azure subscription is set.')
})
