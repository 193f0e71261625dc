import { spawn, spawnSync } from 'node:child_process'
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bin, eventually } from './helpers.js'

/*
 * The README's "Your own app", in a folder outside the repository with nothing beside it: xfn init
 * (run from this checkout, it packs xfn's packages), npm install from those tarballs (the registry
 * is not asked for any @xfn package), the app's own tests, check, deploy to the local cloud, one
 * call, then the commands xfn printed, pasted as they are from another folder, and destroy.
 */

const parent = mkdtempSync(join(tmpdir(), 'xfn-quickstart-'))
const appDir = join(parent, 'jobs-app')
const installed = join(appDir, 'node_modules', '.bin', 'xfn')

function run(command: string, args: string[], cwd = appDir) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' '),
  }
}
/** A printed command, pasted into a shell in `cwd`. */
const paste = (line: string, cwd = parent) => run('sh', ['-c', line], cwd)
/** The installed xfn, from the folder above the app (so every command needs the app's folder). */
const xfnAbove = (...args: string[]) => run(installed, args, parent)

afterAll(() => {
  if (existsSync(installed)) xfnAbove('destroy', 'jobs-app', '--yes')
  rmSync(parent, { recursive: true, force: true })
})

describe('the quick start, from nothing', () => {
  it('packs, scaffolds, installs, tests, checks, deploys, serves, and its printed commands work', async () => {
    const init = run(process.execPath, [bin, 'init', 'jobs-app', '--template', 'queue'], parent)
    expect(init.stderr).toBe('')
    expect(init.code).toBe(0)
    expect(init.stdout).toContain('Created jobs-app (an HTTP function that enqueues, and a queue worker)')
    expect(init.stdout).toContain('npx xfn deploy')
    const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'))
    expect(manifest.dependencies['@xfn/core']).toMatch(/^file:\/.*\/packs\/xfn-core-0\.1\.0\.tgz$/)
    expect(manifest.devDependencies['@xfn/cli']).toMatch(/^file:\/.*\/packs\/xfn-cli-0\.1\.0\.tgz$/)

    // Any @xfn package asked of a registry would fail at once: this one does not answer.
    writeFileSync(join(appDir, '.npmrc'), '@xfn:registry=http://127.0.0.1:9/\nfetch-retries=0\n')
    const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'])
    expect(install.code, install.stderr).toBe(0)
    expect(lstatSync(join(appDir, 'node_modules/@xfn/cli')).isSymbolicLink()).toBe(false)

    const tests = run('npm', ['test'])
    expect(tests.code, tests.stdout + tests.stderr).toBe(0)
    expect(tests.stdout).toMatch(/Tests\s+2 passed/)

    const check = run('npx', ['xfn', 'check'])
    expect(check.code, check.stderr).toBe(0)
    expect(check.stdout).toContain('✓ Portable to aws, azure, local, knative.')
    expect(check.stdout).not.toContain('Warnings')

    // Not running yet: the hint names the app's folder, as seen from where xfn ran.
    const idle = xfnAbove('status', 'jobs-app')
    expect(idle.stdout).toContain(
      'is not running. Start it with: node jobs-app/node_modules/@xfn/cli/bin/run.js deploy jobs-app',
    )

    const deploy = run('npx', ['xfn', 'deploy', '--port', '0'])
    expect(deploy.code, deploy.stderr).toBe(0)
    const url = /(http:\/\/127\.0\.0\.1:\d+)\n/.exec(deploy.stdout)?.[1]
    expect(deploy.stdout).toMatch(/POST\s+http:\/\/127\.0\.0\.1:\d+\/jobs\s+→ submit/)
    expect(deploy.stdout).toContain('Logs: npx xfn logs --follow    Stop: npx xfn destroy --yes')

    const response = await fetch(`${url}/jobs`, { method: 'POST', body: JSON.stringify({ task: 'wash' }) })
    expect(response.status).toBe(202)
    expect(await response.json()).toEqual({ queued: 'wash' })

    // The same deploy from the folder above prints commands for there; each works pasted there.
    const again = xfnAbove('deploy', 'jobs-app')
    expect(again.code, again.stderr).toBe(0)
    const [, logsHint = '', stopHint = ''] = /Logs: (.+?) {4}Stop: (.+)\n/.exec(again.stdout) ?? []
    expect(logsHint).toBe('node jobs-app/node_modules/@xfn/cli/bin/run.js logs --project jobs-app --follow')
    const follow = spawn('sh', ['-c', `exec ${logsHint}`], {
      cwd: parent,
      env: { ...process.env, NO_COLOR: '1' },
    })
    let followed = ''
    follow.stdout.on('data', (chunk) => {
      followed += chunk
    })
    try {
      await eventually(
        () => followed.includes('working'),
        15_000,
        "the worker's line in the pasted logs command",
      )
    } finally {
      follow.kill()
    }
    expect(followed).toMatch(/local\/work\s+INFO\s+\w{8}\s+working \{"task":"wash","attempt":1\}/)

    const invoked = run('npx', ['xfn', 'invoke', 'work', '--data', '{"task":"dry"}'])
    expect(invoked.code, invoked.stderr).toBe(0)
    expect(invoked.stdout).toMatch(/^work: done \(invocation [0-9a-f-]{36}\)/)

    const stop = paste(stopHint)
    expect(stop.code, stop.stderr).toBe(0)
    expect(stop.stdout).toContain('Stopped the local cloud and removed its state.')

    // An error raised inside the local cloud's client names its fix the same way.
    const dlq = xfnAbove('queue', 'dlq', 'jobs', '--project', 'jobs-app')
    expect(dlq.code).toBe(2)
    expect(dlq.stderr).toContain(
      'is not running. Start it with: node jobs-app/node_modules/@xfn/cli/bin/run.js deploy jobs-app',
    )
  }, 180_000)

  it('refuses to scaffold into a folder that is not empty, or under a name that is not valid', () => {
    const taken = run(process.execPath, [bin, 'init', appDir, '--from', parent], parent)
    expect(taken.code).toBe(2)
    expect(taken.stderr).toContain('is not empty; choose a new folder')
    const badName = run(process.execPath, [bin, 'init', join(parent, 'My_App')], parent)
    expect(badName.code).toBe(2)
    expect(badName.stderr).toContain(
      "the folder name 'My_App' (the app name): 'My_App' is not a valid app name",
    )
    const noTarballs = run(process.execPath, [bin, 'init', join(parent, 'other'), '--from', parent], parent)
    expect(noTarballs.code).toBe(2)
    expect(noTarballs.stderr).toContain(`--from: ${parent} has no xfn-core-0.1.0.tgz (it has no tarballs)`)
  })
})
