import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { differences } from './compare.js'
import type { Driver } from './drivers/driver.js'
import { type AppName, notPortableOn, scenarios } from './scenarios.js'

export type Outcome = {
  id: string
  status: 'pass' | 'fail' | 'not-portable'
  problems?: string[]
  reason?: string
}

/** Where each target's outcomes go, for `npm run conformance` to print as a matrix. */
export const outcomesDir = fileURLToPath(new URL('../.tmp/conformance/', import.meta.url))

/** Runs every scenario against one target, one vitest test each, and records the outcomes. */
export function conformance(driver: Driver): void {
  const outcomes: Outcome[] = []
  describe(`conformance on ${driver.target}`, () => {
    beforeAll(async () => {
      const apps = [...new Set(scenarios.map((s) => s.app))] as AppName[]
      await driver.start(
        apps.filter((app) => scenarios.some((s) => s.app === app && !notPortableOn(s, driver.target))),
      )
    }, 180_000)
    afterAll(async () => {
      await driver.stop()
      mkdirSync(outcomesDir, { recursive: true })
      writeFileSync(`${outcomesDir}${driver.target}.json`, JSON.stringify(outcomes, null, 2))
    })
    for (const scenario of scenarios) {
      it(`${scenario.id}: ${scenario.title}`, async () => {
        const reason = notPortableOn(scenario, driver.target)
        if (reason) {
          outcomes.push({ id: scenario.id, status: 'not-portable', reason })
          return
        }
        let problems: string[]
        try {
          const observed = await driver.run(scenario)
          problems = observed.flatMap((o) => differences(scenario.expect, o).map((p) => `${o.via}: ${p}`))
        } catch (error) {
          problems = [`the driver failed: ${error instanceof Error ? error.stack : String(error)}`]
        }
        outcomes.push({ id: scenario.id, status: problems.length === 0 ? 'pass' : 'fail', problems })
        expect(problems).toEqual([])
      }, 30_000)
    }
  })
}
