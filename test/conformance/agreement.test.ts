import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { builtInTargets } from '../../cli/src/targets/registry.js'
import { drivers } from './drivers/index.js'
import { type AppName, notPortableOn, scenarios } from './scenarios.js'

const bin = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url))
const appDir = (app: AppName) => fileURLToPath(new URL(`./apps/${app}`, import.meta.url))

interface Report {
  findings: { cloud: string; severity: string; message: string }[]
}

function check(app: AppName): Report {
  const result = spawnSync(process.execPath, [bin, 'check', appDir(app), '--json'], { encoding: 'utf8' })
  return JSON.parse(result.stdout) as Report
}

describe('scenarios marked not portable, and xfn check', () => {
  const apps = [...new Set(scenarios.map((s) => s.app))]
  it.each(apps)(
    'agree for the %s app: every limitation in the data is reported, and every error is in the data',
    (app) => {
      const errors = check(app).findings.filter((f) => f.severity === 'error')
      const marked = scenarios.filter((s) => s.app === app && s.notPortable)
      for (const scenario of marked)
        for (const { cloud, reason } of scenario.notPortable ?? []) {
          const reported = errors.filter((e) => e.cloud === cloud)
          expect(
            reported.some((e) => e.message.includes(reason)),
            `${scenario.id}: xfn check must report '${reason}' on ${cloud}`,
          ).toBe(true)
        }
      for (const cloud of builtInTargets.map((t) => t.name)) {
        if (!errors.some((e) => e.cloud === cloud)) continue
        expect(
          marked.some((s) => notPortableOn(s, cloud)),
          `xfn check reports the ${app} app not portable to ${cloud}, so a scenario of it must say so`,
        ).toBe(true)
      }
    },
  )
})

it('runs the scenarios on every target the CLI ships, and on no other', () => {
  expect(Object.keys(drivers).sort()).toEqual(builtInTargets.map((t) => t.name).sort())
})
