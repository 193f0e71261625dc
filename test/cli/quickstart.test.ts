import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { bin, eventually } from './helpers.js'

/*
 * The README's first hour, in a clean folder outside the repository: init, install, test, check,
 * deploy to the local cloud, call it, read the logs, invoke, destroy. "Install" links the
 * workspace's packages into the new app's node_modules, as `npm install` of published packages
 * would place them, since these packages are not on the registry.
 */

const repo = fileURLToPath(new URL('../../', import.meta.url))
const parent = mkdtempSync(join(tmpdir(), 'xfn-quickstart-'))
const appDir = join(parent, 'jobs-app')

function run(command: string, args: string[], cwd = appDir) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' '),
  }
}
const xfn = (...args: string[]) => run(process.execPath, [bin, ...args])

function linkInstall(): void {
  const link = (name: string, target: string) => {
    const at = join(appDir, 'node_modules', name)
    mkdirSync(dirname(at), { recursive: true })
    symlinkSync(target, at, 'dir')
  }
  link('@xfn/core', join(repo, 'core'))
  link('xfn', join(repo, 'cli'))
  link('vitest', join(repo, 'node_modules/vitest'))
}

afterAll(() => {
  xfn('destroy', '--yes')
  rmSync(parent, { recursive: true, force: true })
})

describe('the quick start, from nothing', () => {
  it('scaffolds, tests, checks, deploys, serves, logs, invokes and destroys an app', async () => {
    const init = run(process.execPath, [bin, 'init', appDir, '--template', 'queue'], parent)
    expect(init.stderr).toBe('')
    expect(init.code).toBe(0)
    expect(init.stdout).toContain('Created jobs-app (an HTTP function that enqueues, and a queue worker)')
    expect(init.stdout).toContain('npx xfn deploy')

    linkInstall()
    const tests = run(process.execPath, [join(appDir, 'node_modules/vitest/vitest.mjs'), 'run'])
    expect(tests.code, tests.stdout + tests.stderr).toBe(0)
    expect(tests.stdout).toMatch(/Tests\s+2 passed/)

    const check = xfn('check')
    expect(check.code, check.stderr).toBe(0)
    expect(check.stdout).toContain('✓ Portable to aws, azure, local.')
    expect(check.stdout).not.toContain('Warnings')

    const deploy = xfn('deploy', '--port', '0')
    expect(deploy.code, deploy.stderr).toBe(0)
    const url = /(http:\/\/127\.0\.0\.1:\d+)\n/.exec(deploy.stdout)?.[1]
    expect(deploy.stdout).toMatch(/POST\s+http:\/\/127\.0\.0\.1:\d+\/jobs\s+→ submit/)

    const response = await fetch(`${url}/jobs`, { method: 'POST', body: JSON.stringify({ task: 'wash' }) })
    expect(response.status).toBe(202)
    expect(await response.json()).toEqual({ queued: 'wash' })

    const logs = await eventually(
      () => {
        const out = xfn('logs', 'work').stdout
        return out.includes('working') && out
      },
      15_000,
      "the worker's log line",
    )
    expect(logs).toMatch(/local\/work\s+INFO\s+\w{8}\s+working \{"task":"wash","attempt":1\}/)

    const invoked = xfn('invoke', 'work', '--data', '{"task":"dry"}')
    expect(invoked.code, invoked.stderr).toBe(0)
    expect(invoked.stdout).toMatch(/^work: done \(invocation [0-9a-f-]{36}\)/)
    expect(invoked.stdout).toContain('working {"task":"dry","attempt":1}')

    const destroy = xfn('destroy', '--yes')
    expect(destroy.code).toBe(0)
    expect(destroy.stdout).toContain('Stopped the local cloud and removed its state.')
  }, 60_000)

  it('refuses to scaffold into a folder that is not empty, or under a name that is not valid', () => {
    const taken = run(process.execPath, [bin, 'init', appDir], repo)
    expect(taken.code).toBe(2)
    expect(taken.stderr).toContain('is not empty; choose a new folder')
    const badName = run(process.execPath, [bin, 'init', join(parent, 'My_App')], repo)
    expect(badName.code).toBe(2)
    expect(badName.stderr).toContain(
      "the folder name 'My_App' (the app name): 'My_App' is not a valid app name",
    )
  })
})
