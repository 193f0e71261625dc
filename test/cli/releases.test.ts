import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { copyOfApp, deployLocal, xfn, xfnAsync } from './helpers.js'

/*
 * Releases on the local cloud: each deploy that changes the code or the settings is recorded,
 * and a rollback makes an earlier one serve again without a rebuild.
 */
describe('releases and rollback on the local cloud', () => {
  const project = copyOfApp('settings', 'releases')
  const source = join(project, 'src/index.ts')
  const original = readFileSync(source, 'utf8')
  afterAll(() => xfn('destroy', project, '--yes'))

  const releases = () =>
    JSON.parse(xfn('releases', project, '--json').stdout) as {
      releases: { id: string; live: boolean; sha256: string; by: string; settingsDigest: string }[]
    }
  const answer = async (url: string) => (await fetch(`${url}/settings`)).json()
  /** A deploy to the cloud already running. */
  const redeploy = async () => {
    const result = await xfnAsync('deploy', project)
    if (result.code !== 0) throw new Error(result.stderr)
  }

  it('records each deploy that changes something, and rolls back to the one before, then to any', async () => {
    const first = await deployLocal(project)
    expect(await answer(first.url)).toEqual({ greeting: 'hello', currency: 'GBP' })
    writeFileSync(source, original.replace('greeting: process.env.GREETING', "greeting: 'v2'"))
    await redeploy()
    // The same build again is no new release.
    await redeploy()
    const listed = releases().releases
    expect(listed.map((r) => [r.id, r.live])).toEqual([
      ['r2', true],
      ['r1', false],
    ])
    expect(listed[0]?.by).toBeTruthy()
    expect(await answer(first.url)).toEqual({ greeting: 'v2', currency: 'GBP' })

    const back = xfn('rollback', project)
    expect(back.code, back.stderr).toBe(0)
    expect(back.stdout).toContain('Release r1 of settings is live again on local')
    expect(await answer(first.url)).toEqual({ greeting: 'hello', currency: 'GBP' })
    expect(releases().releases.map((r) => [r.id, r.live])).toEqual([
      ['r2', false],
      ['r1', true],
    ])
    expect(xfn('rollback', project, '--to', 'r2').code).toBe(0)
    expect(await answer(first.url)).toEqual({ greeting: 'v2', currency: 'GBP' })

    const missing = xfn('rollback', project, '--to', 'r9')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('There is no release r9 (there are: r1, r2)')
  })

  it('keeps the last releases.keep, and deletes the builds of the others', async () => {
    writeFileSync(
      join(project, 'xfn.config.ts'),
      readFileSync(join(project, 'xfn.config.ts'), 'utf8').replace(
        "stage: 'dev',",
        "stage: 'dev',\n  releases: { keep: 2 },",
      ),
    )
    const oldest = releases().releases.at(-1)
    writeFileSync(source, original.replace('greeting: process.env.GREETING', "greeting: 'v3'"))
    await redeploy()
    const kept = releases().releases
    expect(kept.map((r) => r.id)).toEqual(['r3', 'r2'])
    expect(existsSync(join(project, '.xfn/local/apps', oldest?.sha256 ?? 'x'))).toBe(false)
  })
})
