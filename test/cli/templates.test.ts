import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { scaffold, type Template, templates } from '../../cli/src/init/templates.js'

/*
 * Every app `xfn init` writes passes `xfn check` for every cloud without a warning, and its own
 * tests, as written. The apps are written inside the checkout, so their `@xfn/*` imports find the
 * workspace's packages (the quickstart test installs one from packed tarballs instead).
 */

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = join(root, 'cli/bin/run.js')
const vitest = join(root, 'node_modules/vitest/vitest.mjs')
const work = join(root, 'test/.tmp', `templates-${process.pid}`)
afterAll(() => rmSync(work, { recursive: true, force: true }))

function write(template: Template): string {
  const dir = join(work, template)
  const files = scaffold(`${template}-app`, template, {
    dependencies: { '@xfn/core': '0.1.0' },
    devDependencies: { '@xfn/cli': '0.1.0' },
  })
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

const run = (args: string[], cwd: string) => {
  const result = spawnSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })
  return { code: result.status, out: `${result.stdout}${result.stderr}` }
}

describe('the apps xfn init writes', () => {
  it.each(templates)("'%s' passes xfn check everywhere and its own tests", (template) => {
    const dir = write(template)
    const check = run([bin, 'check', dir], root)
    expect(check.code, check.out).toBe(0)
    expect(check.out).toContain('✓ Portable to aws, azure, local, knative.')
    expect(check.out).not.toContain('Warnings')
    const tests = run([vitest, 'run', '--root', dir], dir)
    expect(tests.code, tests.out).toBe(0)
    expect(tests.out).toMatch(/Tests\s+\d+ passed/)
  })
})
