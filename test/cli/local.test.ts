import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { LocalCloudClient } from '@xfn/local'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyOfApp, type Deployed, deployLocal, eventually, logs, runs, xfn, xfnAsync } from './helpers.js'

describe('the local cloud, end to end through the CLI', () => {
  let project: string
  let deployed: Deployed
  beforeAll(async () => {
    project = copyOfApp('local-e2e', 'e2e')
    const result = await xfnAsync('deploy', project, '--port', '0', '--json')
    if (result.code !== 0) throw new Error(`deploy failed: ${result.stderr}`)
    deployed = JSON.parse(result.stdout)
  })
  afterAll(() => {
    xfn('destroy', project, '--yes')
    rmSync(project, { recursive: true, force: true })
  })

  it('deploys, prints the endpoints and the key, and runs detached', () => {
    expect(deployed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(deployed.apiKey.length).toBeGreaterThan(20)
    expect(deployed.functions.find((f) => f.name === 'submit')?.endpoint).toBe(`${deployed.url}/jobs`)
    const status = JSON.parse(xfn('status', project, '--json').stdout)
    expect(status).toMatchObject({ running: true, pid: deployed.pid, app: 'local-e2e' })
  })

  it('routes as the clouds do, checks the key, limits the body and cuts off a hung handler', async () => {
    const post = (path: string, body: string, key?: string) =>
      fetch(`${deployed.url}${path}`, { method: 'POST', body, headers: key ? { 'x-api-key': key } : {} })
    expect((await post('/jobs', '{"name":"nokey"}')).status).toBe(401)
    expect((await post('/jobs', '{"name":"nokey"}', 'wrong')).status).toBe(401)
    expect((await fetch(`${deployed.url}/nothing`)).status).toBe(404)
    // Every path of the app's port is the app's: the CLI's control API has a port of its own.
    expect((await fetch(`${deployed.url}/_xfn/status`)).status).toBe(404)
    const wrongMethod = await fetch(`${deployed.url}/jobs`)
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST')
    expect(await (await post('/size', 'x'.repeat(1000))).json()).toEqual({ bytes: 1000 })
    expect((await post('/size', 'x'.repeat(7 * 1024 * 1024))).status).toBe(413)
    const hung = await fetch(`${deployed.url}/hang`)
    expect(hung.status).toBe(504)
  })

  it('consumes queued messages, writes to the bucket, and fires the blob trigger', async () => {
    const accepted = await fetch(`${deployed.url}/jobs`, {
      method: 'POST',
      body: JSON.stringify({ name: 'alpha' }),
      headers: { 'x-api-key': deployed.apiKey },
    })
    expect(accepted.status).toBe(202)
    const file = await eventually(
      async () => {
        const response = await fetch(`${deployed.url}/files/done/alpha.txt`)
        return response.status === 200 ? response.text() : undefined
      },
      10_000,
      'the job to be processed',
    )
    expect(file).toBe('done on attempt 1')
    await eventually(
      () =>
        logs(project, 'audit').find((l) => l.message === 'blob event' && l.fields?.key === 'done/alpha.txt'),
      10_000,
      'the blob event',
    )
    const console = logs(project, 'work').find((l) => l.message === 'processing alpha')
    expect(console).toMatchObject({ function: 'work', level: 'info', kind: 'app' })
  })

  it('dead-letters a message that keeps failing after maxAttempts, and re-drives it', async () => {
    await fetch(`${deployed.url}/jobs`, {
      method: 'POST',
      body: '{"name":"poison-1"}',
      headers: { 'x-api-key': deployed.apiKey },
    })
    const dead = await eventually(
      () => {
        const messages = JSON.parse(xfn('queue', 'dlq', 'jobs', '--project', project, '--json').stdout)
          .messages as { body: string; attempt: number }[]
        return messages.find((m) => m.body === '{"name":"poison-1"}')
      },
      15_000,
      'the message to be dead-lettered',
    )
    expect(dead.attempt).toBe(2)
    expect(
      logs(project, 'work').some(
        (l) => l.kind === 'platform' && /dead-lettered to jobs-dlq after 2 attempts/.test(l.message),
      ),
    ).toBe(true)
    const redriven = JSON.parse(xfn('queue', 'redrive', 'jobs', '--project', project, '--json').stdout)
    expect(redriven.moved).toBe(1)
    expect(JSON.parse(xfn('queue', 'dlq', 'jobs', '--project', project, '--json').stdout).messages).toEqual(
      [],
    )
  })

  it('fires the timer on the schedule with its tick', async () => {
    const tick = await eventually(
      () => logs(project, 'tick').find((l) => l.message === 'tick'),
      5000,
      'a tick',
    )
    expect(String(tick.fields?.at)).toMatch(/T\d\d:\d\d:\d\d\.000Z$/)
  })

  it('turns a file dropped into the bucket folder into a blob event', async () => {
    const folder = join(project, '.xfn/local/buckets/files/done')
    mkdirSync(folder, { recursive: true })
    writeFileSync(join(folder, 'dropped by hand.txt'), 'hello')
    const event = await eventually(
      () => logs(project, 'audit').find((l) => l.fields?.key === 'done/dropped by hand.txt'),
      10_000,
      'the dropped file',
    )
    expect(event.fields).toMatchObject({ type: 'created', size: 5 })
  })

  it('reports metrics per function, with failures and timeouts', () => {
    const metrics = JSON.parse(xfn('metrics', '--project', project, '--json').stdout).functions as {
      function: string
      invocations: number
      errors: number
      timeouts: number
    }[]
    const work = metrics.find((m) => m.function === 'work')
    expect(work?.invocations).toBeGreaterThanOrEqual(3)
    expect(work?.errors).toBeGreaterThanOrEqual(2)
    expect(metrics.find((m) => m.function === 'hang')).toMatchObject({
      invocations: 1,
      errors: 1,
      timeouts: 1,
    })
  })

  it('sends from the CLI only to a declared queue, within the portable size, and reads @file as invoke does', async () => {
    const undeclared = xfn('queue', 'send', 'jbos', 'x', '--project', project)
    expect(undeclared.code).toBe(2)
    expect(undeclared.stderr).toContain("The app declares no queue 'jbos' (it declares: jobs).")
    const large = xfn('queue', 'send', 'jobs', 'x'.repeat(48 * 1024 + 1), '--project', project)
    expect(large.code).toBe(2)
    expect(large.stderr).toContain('over the limit of 48 KiB on local')
    const file = join(project, 'job.json')
    writeFileSync(file, JSON.stringify({ name: 'from-file' }))
    const sent = xfn('queue', 'send', 'jobs', `@${file}`, '--project', project)
    expect(sent.code, sent.stderr).toBe(0)
    await eventually(
      () => existsSync(join(project, '.xfn/local/buckets/files/done/from-file.txt')),
      10_000,
      'the message read from the file to be processed',
    )
    const missing = xfn('queue', 'send', 'jobs', '@nowhere.json', '--project', project)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('message @nowhere.json: cannot read the file nowhere.json (ENOENT)')
  })

  it('filters logs by level, text and function', () => {
    const errors = logs(project, '--level', 'error')
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.every((l) => l.level === 'error')).toBe(true)
    expect(logs(project, '--grep', '/poison-\\d/').every((l) => JSON.stringify(l).includes('poison-'))).toBe(
      true,
    )
  })

  it('takes a second deploy without losing queued messages', async () => {
    const client = new LocalCloudClient(project)
    await client.send('jobs', [JSON.stringify({ name: 'during-redeploy', delayMs: 200 })])
    const again = await xfnAsync('deploy', project, '--json')
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout).pid).toBe(deployed.pid)
    await eventually(
      () => existsSync(join(project, '.xfn/local/buckets/files/done/during-redeploy.txt')),
      10_000,
      'the message sent before the redeploy',
    )
  })

  it('refuses a concurrent deploy and a damaged state file with a clear message', async () => {
    const lock = join(project, '.xfn/local/deploy.lock')
    writeFileSync(lock, String(process.pid))
    const locked = await xfnAsync('deploy', project)
    expect(locked.code).toBe(2)
    expect(locked.stderr).toContain(`Another deploy to the local cloud is under way (process ${process.pid})`)
    rmSync(lock)
  })
})

describe('the local cloud with bad input', () => {
  it('says when the port is in use', async () => {
    const project = copyOfApp('local-e2e', 'port')
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()))
    const port = (blocker.address() as { port: number }).port
    try {
      const result = await xfnAsync('deploy', project, '--port', String(port))
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(
        `Port ${port} on 127.0.0.1 is already in use. Free it, or choose another with --port.`,
      )
    } finally {
      blocker.close()
      rmSync(project, { recursive: true, force: true })
    }
  })

  it('gets out of a damaged cloud.json without losing queued messages, by following its advice', async () => {
    const project = copyOfApp('local-e2e', 'damaged')
    try {
      const { pid } = await deployLocal(project)
      // A message that waits: nothing consumes a dead-letter queue.
      const client = new LocalCloudClient(project)
      await client.send('jobs-dlq', ['kept'])
      writeFileSync(join(project, '.xfn/local/cloud.json'), '{"pid": 12')
      const refused = await xfnAsync('deploy', project, '--port', '0')
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(
        /state file .*cloud\.json is damaged, while its cloud \(pid \d+\) still runs/,
      )
      expect(refused.stderr).toMatch(/xfn destroy \S+ --keep-data --yes/)
      const stopped = xfn('destroy', project, '--keep-data', '--yes')
      expect(stopped.code, stopped.stderr).toBe(0)
      expect(stopped.stdout).toContain(
        'Stopped the local cloud; its queued messages, buckets and logs are kept',
      )
      await eventually(() => !runs(pid), 5000, 'the cloud to stop')
      expect(existsSync(join(project, '.xfn/local/queues.journal'))).toBe(true)
      await deployLocal(project)
      expect((await client.messages('jobs-dlq')).map((m) => m.body)).toEqual(['kept'])
    } finally {
      xfn('destroy', project, '--yes')
      rmSync(project, { recursive: true, force: true })
    }
  })

  it('starts again from its journal when deployed right after being killed', async () => {
    const project = copyOfApp('local-e2e', 'killed')
    try {
      const { pid } = await deployLocal(project)
      const client = new LocalCloudClient(project)
      await client.send(
        'jobs',
        Array.from({ length: 50 }, (_, i) => JSON.stringify({ name: `after-kill-${i}`, delayMs: 200 })),
      )
      process.kill(pid, 'SIGKILL')
      // At once: the dead process may linger a moment, and must not be taken for the cloud.
      const again = await xfnAsync('deploy', project, '--port', '0', '--json')
      expect(again.code, again.stderr).toBe(0)
      expect(again.stderr).not.toContain('destroy')
      // Each ends processed or, when its deliveries keep failing (a delivery cut by the kill counts
      // one attempt, and a loaded machine may push another past its 1 s timeout), dead-lettered.
      const done = join(project, '.xfn/local/buckets/files/done')
      const names = Array.from({ length: 50 }, (_, i) => `after-kill-${i}`)
      await eventually(
        async () => {
          const dead = new Set(
            (await client.messages('jobs-dlq')).map((m) => (JSON.parse(m.body) as { name: string }).name),
          )
          return names.every((name) => existsSync(join(done, `${name}.txt`)) || dead.has(name))
        },
        30_000,
        'every message to be processed or dead-lettered',
      )
    } finally {
      xfn('destroy', project, '--yes')
      rmSync(project, { recursive: true, force: true })
    }
  }, 60_000)

  it('replaces an emptied key file instead of serving key routes without a key, and keeps state private', async () => {
    const project = copyOfApp('local-e2e', 'empty-key')
    mkdirSync(join(project, '.xfn/local'), { recursive: true, mode: 0o755 })
    writeFileSync(join(project, '.xfn/local/api-key'), '\n')
    try {
      const result = await xfnAsync('deploy', project, '--port', '0', '--json')
      expect(result.code, result.stderr).toBe(0)
      const { url, apiKey } = JSON.parse(result.stdout) as Deployed
      expect(apiKey.length).toBeGreaterThanOrEqual(16)
      const post = (key: string) =>
        fetch(`${url}/jobs`, { method: 'POST', body: '{"name":"k"}', headers: { 'x-api-key': key } })
      expect((await post('')).status).toBe(401)
      expect((await post(apiKey)).status).toBe(202)
      // The state is its owner's alone: the folder 0700 (also when it was made before), files 0600.
      const state = join(project, '.xfn/local')
      expect(statSync(state).mode & 0o777).toBe(0o700)
      for (const file of ['api-key', 'queues.journal', 'cloud.json', 'cloud.log'])
        expect(statSync(join(state, file)).mode & 0o077, file).toBe(0)
    } finally {
      xfn('destroy', project, '--yes')
      rmSync(project, { recursive: true, force: true })
    }
  })

  it('never signals a process that is not the cloud, though cloud.json names its pid', async () => {
    const project = copyOfApp('local-e2e', 'stale-pid')
    const stranger = spawn('sleep', ['30'])
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()))
    const port = (closed.address() as { port: number }).port
    await new Promise((resolve) => closed.close(resolve))
    mkdirSync(join(project, '.xfn/local'), { recursive: true })
    writeFileSync(
      join(project, '.xfn/local/cloud.json'),
      JSON.stringify({
        pid: stranger.pid,
        port,
        host: '127.0.0.1',
        token: 'x',
        startedAt: new Date().toISOString(),
      }),
    )
    try {
      const result = xfn('destroy', project, '--yes')
      expect(result.code, result.stderr).toBe(0)
      expect(stranger.exitCode).toBeNull()
      expect(stranger.signalCode).toBeNull()
      expect(() => process.kill(stranger.pid ?? 0, 0)).not.toThrow()
    } finally {
      stranger.kill()
      rmSync(project, { recursive: true, force: true })
    }
  })
})

describe('a crash of the local cloud', () => {
  it('loses no message: after kill -9 and a restart, every message is processed or dead-lettered', async () => {
    const project = copyOfApp('local-e2e', 'crash')
    try {
      const first = await xfnAsync('deploy', project, '--port', '0', '--json')
      expect(first.code).toBe(0)
      const { pid } = JSON.parse(first.stdout) as Deployed
      const client = new LocalCloudClient(project)
      const names = Array.from({ length: 120 }, (_, i) => (i % 20 === 7 ? `poison-${i}` : `job-${i}`))
      await client.send(
        'jobs',
        names.map((name) => JSON.stringify({ name, delayMs: 25 })),
      )
      const done = join(project, '.xfn/local/buckets/files/done')
      await eventually(
        () => existsSync(done) && readdirSync(done).length >= 10,
        15_000,
        'some jobs to be done',
      )
      process.kill(pid, 'SIGKILL')
      await eventually(
        () => {
          try {
            process.kill(pid, 0)
            return false
          } catch {
            return true
          }
        },
        5000,
        'the cloud to die',
      )
      expect(readdirSync(done).length).toBeLessThan(names.length)
      const second = await xfnAsync('deploy', project, '--port', '0', '--json')
      expect(second.code).toBe(0)
      const expectedDone = names.filter((n) => !n.startsWith('poison')).map((n) => `${n}.txt`)
      await eventually(
        () => expectedDone.every((file) => existsSync(join(done, file))),
        30_000,
        'every job to be done',
      )
      const dead = await eventually(
        async () => {
          const messages = await client.messages('jobs-dlq')
          return messages.length >= 6 ? messages : undefined
        },
        30_000,
        'every poison message to be dead-lettered',
      )
      expect(new Set(dead.map((m) => (JSON.parse(m.body) as { name: string }).name))).toEqual(
        new Set(names.filter((n) => n.startsWith('poison'))),
      )
    } finally {
      xfn('destroy', project, '--yes')
      rmSync(project, { recursive: true, force: true })
    }
  }, 90_000)
})
