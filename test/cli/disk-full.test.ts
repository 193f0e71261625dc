import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyOfApp, eventually, xfn, xfnAsync } from './helpers.js'

/**
 * A full disk under the local cloud's state: a 4 MiB tmpfs mounted on .xfn/local, filled to the
 * last byte. Mounting needs root (or CAP_SYS_ADMIN); where it is refused, so is this suite.
 */
const project = copyOfApp('local-e2e', 'disk-full')
const state = join(project, '.xfn/local')
mkdirSync(state, { recursive: true })
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', state]).status === 0
const filler = join(state, 'filler')

describe.runIf(mounted)('the local cloud on a full disk', () => {
  let url = ''
  let apiKey = ''
  beforeAll(async () => {
    const deployed = await xfnAsync('deploy', project, '--port', '0', '--json')
    if (deployed.code !== 0) throw new Error(deployed.stderr)
    ;({ url, apiKey } = JSON.parse(deployed.stdout) as { url: string; apiKey: string })
  })
  afterAll(() => {
    xfn('destroy', project, '--keep-data', '--yes')
    spawnSync('umount', [state])
    rmSync(project, { recursive: true, force: true })
  })

  const submit = (name: string) =>
    fetch(`${url}/jobs`, { method: 'POST', body: JSON.stringify({ name }), headers: { 'x-api-key': apiKey } })

  it('refuses sends with a clear error, serves on, and works again once space returns', async () => {
    expect((await submit('before')).status).toBe(202)
    // Fill every byte left: a write past the end fails with ENOSPC.
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' })

    // (Messages of 20 KB: a small one might still fit in the last page the file system gave the journal.)
    const large = `while-full-${'x'.repeat(20_000)}`
    // A handler's send fails, and the request is answered 503, not 500, and not a crash.
    expect((await submit(large)).status).toBe(503)
    // The CLI's send says what happened and what to do.
    const sent = xfn('queue', 'send', 'jobs', JSON.stringify({ name: large }), '--project', project)
    expect(sent.code).not.toBe(0)
    expect(sent.stderr).toContain("queue('jobs').send() stored nothing: The local cloud cannot write")
    expect(sent.stderr).toContain('the disk is full (ENOSPC); free some space')
    // Routes that need no disk go on answering.
    expect((await fetch(`${url}/files/missing`)).status).toBe(404)

    rmSync(filler)
    expect((await submit('after')).status).toBe(202)
    const done = join(state, 'buckets/files/done')
    await eventually(
      () => existsSync(join(done, 'before.txt')) && existsSync(join(done, 'after.txt')),
      15_000,
      'the jobs sent before and after to be done',
    )
    expect(existsSync(join(done, `${large}.txt`))).toBe(false)
  }, 60_000)
})

// Without a mount, the copy is simply removed.
if (!mounted) rmSync(project, { recursive: true, force: true })
