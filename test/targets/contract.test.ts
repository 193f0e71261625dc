import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { copyOfApp, eventually, xfnAsync } from '../cli/helpers.js'

/**
 * The target contract, through the real CLI: every target deploys the same app, shows it, calls
 * an HTTP function and a queue function, shows their log lines and metrics, and destroys it.
 * `memory` is a target that only this suite knows (test/targets/memory-target.mjs): it is named
 * in the app's xfn.config.ts, and nothing under cli/src/commands knows it.
 */
const memoryTarget = fileURLToPath(new URL('./memory-target.mjs', import.meta.url))

const apps: string[] = []
function appFor(target: string) {
  const dir = copyOfApp('../targets/app', `target-${target}`)
  writeFileSync(join(dir, 'xfn.config.ts'), `export default { targets: [${JSON.stringify(memoryTarget)}] }\n`)
  apps.push(dir)
  return dir
}

afterAll(async () => {
  for (const dir of apps) await xfnAsync('destroy', dir, '--cloud', 'local', '--yes')
})

const run = async (...args: string[]) => {
  const result = await xfnAsync(...args)
  if (result.code !== 0) throw new Error(`xfn ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return result
}

describe.each(['memory', 'local'])('the %s target', (target) => {
  it('deploys, shows, invokes, logs, measures and destroys the app through the unchanged CLI', async () => {
    const dir = appFor(target)
    const deployFlags = target === 'local' ? ['--port', '0'] : []
    const deployed = JSON.parse(
      (await run('deploy', dir, '--cloud', target, '--json', ...deployFlags)).stdout,
    )
    expect(deployed).toBeTruthy()

    const status = await run('status', dir, '--cloud', target)
    expect(status.stdout).toMatch(/hello/)
    expect(status.stdout).toMatch(/work/)

    const http = JSON.parse(
      (await run('invoke', 'hello', '--project', dir, '--cloud', target, '--path', '/hello/ada', '--json'))
        .stdout,
    )
    expect(http.status).toBe(200)
    expect(JSON.parse(http.body)).toEqual({ hello: 'ada' })

    const queued = JSON.parse(
      (await run('invoke', 'work', '--project', dir, '--cloud', target, '--data', 'job 7', '--json')).stdout,
    )
    expect(queued.ok).toBe(true)

    // A cloud may record an invocation's lines and figures a moment after answering it.
    const logLines = async () =>
      (await run('logs', '--project', dir, '--cloud', target, '--json')).stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { function: string; message: string; cloud: string })
    const lines = await eventually(
      async () => {
        const found = await logLines()
        return found.some((l) => l.function === 'work') && found.some((l) => l.function === 'hello')
          ? found
          : undefined
      },
      15_000,
      'the log lines of both invocations',
    )
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ function: 'hello', message: 'greeting', cloud: target }),
        expect.objectContaining({ function: 'work', message: 'working on job 7', cloud: target }),
      ]),
    )

    const metrics = await eventually(
      async () => {
        const found = JSON.parse(
          (await run('metrics', '--project', dir, '--cloud', target, '--json')).stdout,
        ) as {
          cloud: string
          functions: { function: string; invocations: number }[]
        }
        return (found.functions.find((f) => f.function === 'hello')?.invocations ?? 0) >= 1
          ? found
          : undefined
      },
      15_000,
      'the metrics of the HTTP invocation',
    )
    expect(metrics.cloud).toBe(target)

    const destroyed = JSON.parse((await run('destroy', dir, '--cloud', target, '--yes', '--json')).stdout)
    expect(destroyed.destroyed).toBe(true)
  })
})

it('names the targets there are when --cloud names none of them', async () => {
  const dir = appFor('unknown')
  const result = await xfnAsync('status', dir, '--cloud', 'gcp')
  expect(result.code).toBe(2)
  expect(result.stderr).toContain(
    "--cloud: unknown cloud 'gcp'. Choose from aws, azure, knative, local, memory.",
  )
})

it('refuses the options a target does not offer, naming the target and the ones that do', async () => {
  const dir = appFor('options')
  const dryRun = await xfnAsync('deploy', dir, '--cloud', 'memory', '--dry-run')
  expect(dryRun.code).toBe(2)
  expect(dryRun.stderr).toContain('--dry-run: memory has no dry run')
  const keepData = await xfnAsync('destroy', dir, '--cloud', 'memory', '--keep-data', '--yes')
  expect(keepData.code).toBe(2)
  expect(keepData.stderr).toContain(
    '--keep-data applies to local only; on memory destroy deletes what xfn deployed.',
  )
})

it("checks an app for a target from outside by the target's own rules, beside the built-in clouds'", async () => {
  const dir = copyOfApp('every-kind', 'target-check')
  writeFileSync(join(dir, 'xfn.config.ts'), `export default { targets: [${JSON.stringify(memoryTarget)}] }\n`)
  const result = await xfnAsync('check', dir, '--json')
  expect(result.code).toBe(1)
  const report = JSON.parse(result.stdout) as {
    clouds: string[]
    portableTo: string[]
    findings: { cloud: string; subject: string; message: string }[]
    functions: { name: string; clouds: Record<string, { ok: boolean }> }[]
  }
  expect(report.clouds).toEqual(['aws', 'azure', 'local', 'knative', 'memory'])
  expect(report.portableTo).toEqual(['aws', 'azure', 'local', 'knative'])
  expect(report.findings).toEqual([
    expect.objectContaining({
      cloud: 'memory',
      subject: "function 'audit'",
      message: expect.stringContaining('no blob functions'),
    }),
  ])
  expect(report.functions.find((f) => f.name === 'audit')?.clouds.memory?.ok).toBe(false)
  expect(report.functions.find((f) => f.name === 'fulfil')?.clouds.memory?.ok).toBe(true)
})
