import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { LocalCloudClient } from '@xfn/local'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyOfApp, type Deployed, deployLocal, eventually, logs, runs, xfn } from './helpers.js'

/** What a request got: its status, or 'closed' when the connection ended without an answer. */
const statusOf = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(20_000) }).then(
    (response) => response.status,
    () => 'closed' as const,
  )

/** The pid of the process serving HTTP functions, once it answers again. */
const servingPid = (url: string) =>
  eventually(
    async () => {
      const response = await fetch(`${url}/ok`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined)
      return response?.status === 200 ? ((await response.json()) as { pid: number }).pid : undefined
    },
    15_000,
    '/ok to answer',
  )

describe('handlers that misbehave on the local cloud', () => {
  let project: string
  let deployed: Deployed
  beforeAll(async () => {
    project = copyOfApp('misbehaving', 'misbehaving')
    deployed = await deployLocal(project)
  })
  afterAll(() => {
    xfn('destroy', project, '--yes')
  })

  it('cost only the requests under way: each gets 502 or its connection closed, and the cloud serves on', async () => {
    // What each misdeed gets: the process can answer before it ends for the first three; an
    // endless loop or endless allocation gives it no chance, so its connection just closes.
    const expected = { reject: 502, 'timer-throw': 502, exit: 502, loop: 'closed', hog: 'closed' }
    const causes = {
      reject: 'unhandled promise rejection (Error: nobody awaited this)',
      'timer-throw': 'uncaught exception (Error: thrown from a timer)',
      exit: 'the app called process.exit(3)',
      loop: 'its event loop was blocked',
      hog: 'MB of memory, over the 256 MB its functions declare',
    }
    for (const [what, status] of Object.entries(expected)) {
      const before = await servingPid(deployed.url)
      expect(await statusOf(`${deployed.url}/misbehave/${what}`), what).toBe(status)
      const after = await servingPid(deployed.url)
      expect(after, `a new process serves after '${what}'`).not.toBe(before)
      const ended = logs(project).filter((line) =>
        line.message.startsWith('the process of the HTTP functions ended'),
      )
      expect(ended.at(-1)?.message, what).toContain(causes[what as keyof typeof causes])
    }
    // The cloud itself never stopped.
    expect(JSON.parse(xfn('status', project, '--json').stdout)).toMatchObject({
      running: true,
      pid: deployed.pid,
    })
    // Each invocation that was under way when its process ended says so, with the cause.
    const failed = logs(project).filter(
      (line) => line.function === 'misbehave' && line.message === 'invocation failed',
    )
    expect(failed.map((line) => (line.fields?.error as { message?: string } | undefined)?.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('process.exit(3)')]),
    )
  }, 120_000)

  it('answers 500 for a header value HTTP forbids, counted as an error, with a log line', async () => {
    const response = await fetch(`${deployed.url}/bad-header`)
    expect(response.status).toBe(500)
    expect(response.headers.get('set-cookie')).toBeNull()
    expect(await response.text()).not.toContain('never sent')
    const line = await eventually(
      () => logs(project).find((l) => l.function === 'bad-header' && l.message === 'handler failed'),
      5000,
      'the log line of the bad header',
    )
    expect(JSON.stringify(line.fields)).toContain("header 'x-injected' with a CR, LF or NUL character")
  })

  it('ends every queued message processed or dead-lettered, while HTTP keeps answering from one process', async () => {
    const client = new LocalCloudClient(project)
    const bad = ['reject-q', 'timer-throw-q', 'exit-q', 'loop-q', 'hog-q']
    const good = Array.from({ length: 20 }, (_, i) => `fine-${i}`)
    const names = [...good.slice(0, 10), ...bad, ...good.slice(10)]
    const httpPid = await servingPid(deployed.url)
    await client.send(
      'chaos',
      names.map((name) => JSON.stringify({ name })),
    )
    const answered: number[] = []
    const settled = await eventually(
      async () => {
        answered.push(await servingPid(deployed.url))
        const status = (await client.status()) as {
          queues: Record<string, { visible: number; hidden: number }>
        }
        const left = (status.queues.chaos?.visible ?? 0) + (status.queues.chaos?.hidden ?? 0)
        return left === 0 ? await client.messages('chaos-dlq') : undefined
      },
      60_000,
      'the chaos queue to empty',
    )
    const deadLettered = settled.map((m) => (JSON.parse(m.body) as { name: string }).name)
    expect(deadLettered).toEqual(expect.arrayContaining(bad))
    const folder = join(project, '.xfn/local/buckets/done')
    for (const name of good)
      expect(existsSync(join(folder, `${name}.txt`)) || deadLettered.includes(name), name).toBe(true)
    for (const name of bad) expect(existsSync(join(folder, `${name}.txt`)), name).toBe(false)
    // The HTTP functions ran in their own process all along: the queue's faults never reached it.
    expect(new Set(answered)).toEqual(new Set([httpPid]))
  }, 90_000)
})

describe('a local cloud killed while a message is delivered', () => {
  it('dead-letters the message after maxAttempts deliveries that never finished', async () => {
    const project = copyOfApp('misbehaving', 'killed-cloud')
    const client = new LocalCloudClient(project)
    const deploy = async () => (await deployLocal(project)).pid
    const killDuringDelivery = async (pid: number) => {
      // The 'loop' message holds its delivery for two seconds before its sandbox is stopped.
      await new Promise((resolve) => setTimeout(resolve, 700))
      const { sandboxes } = (await client.status()) as unknown as { sandboxes: { background: number } }
      process.kill(pid, 'SIGKILL')
      await eventually(() => !new LocalCloudClient(project).running(), 5000, 'the cloud to be gone')
      // Its sandbox, whose event loop the handler holds, does not outlive it.
      await eventually(() => !runs(sandboxes.background), 5000, 'the orphaned sandbox to end')
    }
    try {
      const first = await deploy()
      await client.send('chaos', [JSON.stringify({ name: 'loop-killed' })])
      await killDuringDelivery(first)
      await killDuringDelivery(await deploy())
      await deploy()
      const letters = await eventually(
        async () => {
          const messages = await client.messages('chaos-dlq')
          return messages.length > 0 ? messages : undefined
        },
        15_000,
        'the message to be dead-lettered on the third start',
      )
      expect(letters.map((m) => m.body)).toEqual(['{"name":"loop-killed"}'])
      expect(logs(project).map((l) => l.message)).toContain(
        'message dead-lettered to chaos-dlq after 2 attempts, the last of which never finished',
      )
    } finally {
      xfn('destroy', project, '--yes')
    }
  }, 60_000)
})
