#!/usr/bin/env node
// Prints the conformance matrix, scenario × target, from the outcomes the last run wrote
// (test/.tmp/conformance/<target>.json). `npm run conformance` runs the suite, then this.
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('../.tmp/conformance/', import.meta.url))
const targets = ['local', 'aws', 'azure', 'knative']
const outcomes = Object.fromEntries(
  targets.map((t) => [
    t,
    existsSync(`${dir}${t}.json`) ? JSON.parse(readFileSync(`${dir}${t}.json`, 'utf8')) : [],
  ]),
)
const ids = [...new Set(targets.flatMap((t) => outcomes[t].map((o) => o.id)))]
const mark = { pass: '✓', fail: '✗ FAIL', 'not-portable': '– not portable' }
const width = Math.max(...ids.map((id) => id.length), 8)
console.log(`\n${'scenario'.padEnd(width)}  ${targets.map((t) => t.padEnd(16)).join('')}`)
const totals = Object.fromEntries(
  targets.map((t) => [t, { pass: 0, fail: 0, 'not-portable': 0, missing: 0 }]),
)
for (const id of ids) {
  const cells = targets.map((t) => {
    const outcome = outcomes[t].find((o) => o.id === id)
    totals[t][outcome?.status ?? 'missing']++
    return (outcome ? mark[outcome.status] : '? not run').padEnd(16)
  })
  console.log(`${id.padEnd(width)}  ${cells.join('')}`)
}
console.log(
  `\n${ids.length} scenarios. ${targets
    .map(
      (t) =>
        `${t}: ${totals[t].pass} passed, ${totals[t].fail} failed, ${totals[t]['not-portable']} not portable${totals[t].missing ? `, ${totals[t].missing} not run` : ''}`,
    )
    .join('; ')}`,
)
for (const t of targets)
  for (const o of outcomes[t].filter((o) => o.status === 'not-portable'))
    console.log(`  ${t} – ${o.id}: ${o.reason}`)
if (targets.some((t) => totals[t].fail > 0 || totals[t].missing > 0)) process.exitCode = 1
