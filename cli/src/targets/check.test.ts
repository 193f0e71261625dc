import { createApp, type Target, toManifest } from '@xfn/core'
import { expect, it } from 'vitest'
import type { Project } from '../project.js'
import { checkTargets } from './check.js'

const edge: Target = {
  name: 'edge',
  description: 'a target that runs HTTP and timer functions only',
  settings: {},
  triggers: ['http', 'timer'],
  deploy: async () => undefined,
  destroy: async () => undefined,
  status: async () => undefined,
  invoke: async () => ({}),
  logs: async () => (async function* () {})(),
  metrics: async () => [],
}

it('refuses the kinds of function a target does not say it runs, and only those', () => {
  const made = createApp()
  const jobs = made.queue('jobs')
  made.app.http('hello', { route: '/hello' }, () => ({ body: 'hi' }))
  made.app.queue('work', { queue: jobs }, () => undefined)
  made.app.timer('tick', { every: '5 minutes' }, () => undefined)
  const manifest = toManifest(made.registry, { app: 'shop' })
  const project = { dir: '/tmp/shop', app: 'shop', entry: 'src/index.ts', config: {} } as unknown as Project
  const report = checkTargets(project, manifest, [edge])
  expect(report.findings).toEqual([
    {
      cloud: 'edge',
      subject: "function 'work'",
      severity: 'error',
      message: 'edge runs no queue functions (it runs http, timer functions)',
    },
  ])
  expect(report.functions.map((fn) => [fn.name, fn.clouds.edge?.ok])).toEqual([
    ['hello', true],
    ['tick', true],
    ['work', false],
  ])
  expect(report.portableTo).toEqual([])
})
