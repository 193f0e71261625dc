import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const bin = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url))
const app = (name: string) => fileURLToPath(new URL(`../apps/${name}`, import.meta.url))

function xfn(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('xfn check', () => {
  it('prints the portability report of an app with every kind of function', () => {
    const { code, stdout } = xfn('check', app('every-kind'))
    expect(code).toBe(0)
    expect(stdout).toContain("App 'every-kind': 5 functions, checked for aws, azure, local")
    expect(stdout).toMatch(
      /nightly\s+timer 0 2 \* \* MON-FRI\s+✓ cron\(0 2 \? \* 2-6 \*\)\s+✓ 0 0 2 \* \* 1-5\s+✓/,
    )
    expect(stdout).toContain('✓ Portable to aws, azure, local, knative.')
  })

  it('names the portable limits of topic messages for an app with topics', () => {
    const { code, stdout } = xfn('check', fileURLToPath(new URL('../../examples/orders', import.meta.url)))
    expect(code).toBe(0)
    expect(stdout).toMatch(/restock\s+topic order-fulfilled \(size=bulk\)\s+✓\s+✓\s+✓/)
    expect(stdout).toContain(
      'Topic messages: at most 256 KiB with their attributes, and 10 attributes; filters of at most 5 attributes and 25 values.',
    )
    expect(xfn('check', app('every-kind')).stdout).not.toContain('Topic messages')
  })

  it('gives the report as JSON', () => {
    const { code, stdout } = xfn('check', app('every-kind'), '--json', '--cloud', 'aws')
    expect(code).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.portableTo).toEqual(['aws'])
    expect(report.functions.map((f: { name: string }) => f.name)).toEqual([
      'audit',
      'createOrder',
      'fulfil',
      'nightly',
      'poll',
    ])
  })

  it('exits 1 and says why when an app cannot run on a cloud', () => {
    const { code, stdout } = xfn('check', app('not-portable'))
    expect(code).toBe(1)
    expect(stdout).toContain(
      "✗ azure: function 'oddInterval': schedule '7 minutes': NCRONTAB fires on clock boundaries",
    )
    expect(stdout).toContain(
      "✗ aws: function 'twiceAMinute': schedule '*/30 * * * * *': EventBridge schedules fire on the minute",
    )
    expect(stdout).toContain(
      "✗ knative: function 'twiceAMinute': schedule '*/30 * * * * *': a PingSource fires on the minute and has no seconds field",
    )
    expect(stdout).toContain('✓ Portable to local. ✗ Not portable to aws, azure, knative (6 problems).')
  })

  it('passes when only the clouds an app fits are asked about', () => {
    expect(xfn('check', app('not-portable'), '--cloud', 'local').code).toBe(0)
  })

  it('exits 2 with the message and the source line of a bad registration', () => {
    const { code, stderr } = xfn('check', app('bad-route'))
    expect(code).toBe(2)
    expect(stderr).toContain(`app.http('broken'): route "items/{id}" must start with '/'`)
    expect(stderr).toContain('at src/index.ts:4:')
  })

  it('exits 2 and points at the line of an app that throws while loading', () => {
    const { code, stderr } = xfn('check', app('throws'))
    expect(code).toBe(2)
    expect(stderr).toContain('Your app threw while it was loading: the database URL is not set')
    expect(stderr).toContain('at src/index.ts:4:')
  })

  it('exits 2 on an unknown cloud and on a folder with no app', () => {
    const unknownCloud = xfn('check', app('every-kind'), '--cloud', 'gcp')
    expect(unknownCloud.code).toBe(2)
    expect(unknownCloud.stderr).toContain("unknown cloud 'gcp'. Choose from aws, azure, knative,")
    const noApp = xfn('check', fileURLToPath(new URL('.', import.meta.url)))
    expect(noApp.code).toBe(2)
    expect(noApp.stderr).toContain('No entry module in')
  })
})

describe('the xfn command', () => {
  it('prints help with every command topic, and its version', () => {
    const help = xfn('--help')
    expect(help.code).toBe(0)
    for (const topic of [
      'build',
      'check',
      'deploy',
      'destroy',
      'dev',
      'init',
      'invoke',
      'logs',
      'metrics',
      'status',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`\\n\\s+${topic}\\s`))
    }
    expect(xfn('--version').stdout).toMatch(/^@xfn\/cli\/0\.1\.0 /)
  })
})

describe('start-up', () => {
  // A module hook that fails any import of a cloud SDK, so a command that loads one fails.
  const hook =
    'data:text/javascript,import{register}from"node:module";register("data:text/javascript,export async function resolve(s,c,n){if(/^@(aws-sdk|azure)\\\\//.test(s))throw new Error(\\"cloud SDK loaded: \\"+s);return n(s,c)}")'
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', hook, bin, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    })

  it('loads no cloud SDK for --help and check, and the hook does catch one that does', () => {
    expect(run('--help').status).toBe(0)
    const check = run('check', app('every-kind'))
    expect(check.stderr).not.toContain('cloud SDK loaded')
    expect(check.status).toBe(0)
    const aws = run('deploy', app('every-kind'), '--cloud', 'aws', '--region', 'eu-west-1', '--dry-run')
    expect(aws.stderr).toContain('cloud SDK loaded: @aws-sdk/')
  })
})
