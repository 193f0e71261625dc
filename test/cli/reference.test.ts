import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { commandReference } from '../../cli/src/reference.js'

it('keeps docs/commands.md in step with the commands (regenerate with: npm run docs)', async () => {
  const written = readFileSync(new URL('../../docs/commands.md', import.meta.url), 'utf8')
  const current = await commandReference(fileURLToPath(new URL('../../cli', import.meta.url)))
  expect(written === current, 'docs/commands.md is out of date: run npm run docs').toBe(true)
  for (const command of ['init', 'deploy', 'destroy', 'invoke', 'logs', 'metrics', 'check', 'build'])
    expect(current).toContain(`## xfn ${command}\n`)
})
