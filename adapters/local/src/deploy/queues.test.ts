import { spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Journal } from './journal.js'
import { QueueStore } from './queues.js'

const spec = { name: 'jobs', maxAttempts: 3, visibilityTimeoutSeconds: 30, fifo: false }
const journal = () => join(mkdtempSync(join(tmpdir(), 'xfn-queues-')), 'queues.journal')

describe('the durable queue store', () => {
  it('keeps sent messages across a restart, and delivers them in order', () => {
    const path = journal()
    const first = new QueueStore(path)
    first.send('jobs', [{ body: 'a' }, { body: 'b' }])
    first.close()
    const second = new QueueStore(path)
    expect(second.receive(spec, 10).map((m) => m.body)).toEqual(['a', 'b'])
  })

  it('hides a delivered message for the visibility timeout, and counts attempts', () => {
    const store = new QueueStore(journal())
    store.send('jobs', [{ body: 'a' }])
    const [message] = store.receive(spec, 10)
    expect(message?.attempt).toBe(1)
    expect(store.receive(spec, 10)).toEqual([])
    expect(store.depths().jobs).toEqual({ visible: 0, hidden: 1 })
  })

  it('delivers an unacknowledged message again after a restart, once its visibility ends', () => {
    const path = journal()
    const first = new QueueStore(path)
    first.send('jobs', [{ body: 'a' }])
    first.receive({ ...spec, visibilityTimeoutSeconds: 0 }, 10)
    // The process dies here, before the ack.
    const second = new QueueStore(path)
    const [again] = second.receive(spec, 10)
    expect(again?.body).toBe('a')
    expect(again?.attempt).toBe(2)
  })

  it('forgets acknowledged messages, and compacts the journal on start', () => {
    const path = journal()
    const store = new QueueStore(path)
    store.send('jobs', [{ body: 'a' }, { body: 'b' }])
    for (const message of store.receive(spec, 1)) store.ack(message)
    store.close()
    new QueueStore(path).close()
    const lines = readFileSync(path, 'utf8').trim().split('\n')
    expect(lines.map((line) => JSON.parse(line).body)).toEqual(['b'])
  })

  it('moves a message to the dead-letter queue and back', () => {
    const store = new QueueStore(journal())
    store.send('jobs', [{ body: 'a' }])
    const [message] = store.receive(spec, 1)
    if (!message) throw new Error('no message')
    store.move(message, 'jobs-dlq', { keepAttempts: true })
    expect(store.messages('jobs')).toEqual([])
    expect(store.messages('jobs-dlq')[0]).toMatchObject({ body: 'a', attempt: 1 })
    expect(store.redrive('jobs')).toBe(1)
    expect(store.receive(spec, 1)[0]).toMatchObject({ body: 'a', attempt: 1 })
  })

  it('keeps delayed messages hidden until their delay ends', () => {
    const store = new QueueStore(journal())
    store.send('jobs', [{ body: 'later', delaySeconds: 60 }])
    expect(store.receive(spec, 10)).toEqual([])
    expect(store.nextVisibleAt('jobs')).toBeGreaterThan(Date.now() + 59_000)
  })

  it('drops a torn last line, which a crash while writing leaves', () => {
    const path = journal()
    const store = new QueueStore(path)
    store.send('jobs', [{ body: 'a' }])
    store.close()
    appendFileSync(path, '{"op":"put","id":"x","q":"jo')
    expect(new QueueStore(path).messages('jobs').map((m) => m.body)).toEqual(['a'])
  })

  it('skips a line damaged in the middle, keeps the rest, and names the file and the line', () => {
    const path = journal()
    writeFileSync(
      path,
      '{"op":"put","id":"1","q":"jobs","body":"a","at":1,"visibleAt":1}\nnot json\n{"op":"put","id":"2","q":"jobs","body":"b","at":1,"visibleAt":1}\n',
    )
    const warnings: string[] = []
    const store = new QueueStore(path, { warn: (message) => warnings.push(message) })
    expect(store.messages('jobs').map((m) => m.body)).toEqual(['a', 'b'])
    expect(warnings).toEqual([`${path} is damaged at line 2: that record was skipped, and the rest kept`])
  })
})

describe('the journal under a backlog', () => {
  const fill = (store: QueueStore, count: number) => {
    for (let sent = 0; sent < count; sent += 1000)
      store.send(
        'jobs',
        Array.from({ length: Math.min(1000, count - sent) }, (_, i) => ({ body: `m${sent + i}` })),
      )
  }

  it('is not rewritten while the live messages are most of it, however many wait', () => {
    const path = journal()
    const store = new QueueStore(path)
    fill(store, 60_000)
    const size = statSync(path).size
    for (let i = 0; i < 200; i++) store.send('jobs', [{ body: 'more' }])
    expect(store.compaction).toBeUndefined()
    expect(statSync(path).size).toBeGreaterThan(size)
  })

  it('is compacted in the background once dead records outnumber the live, losing nothing', async () => {
    const path = journal()
    const store = new QueueStore(path)
    fill(store, 30_000)
    let pending: Promise<void> | undefined
    for (const message of store.receive({ ...spec, visibilityTimeoutSeconds: 0 }, 30_000)) {
      if (message.attempt === 1 && Number(message.body.slice(1)) < 25_000) store.ack(message)
      pending ??= store.compaction
    }
    expect(pending).toBeDefined()
    store.send('jobs', [{ body: 'during' }])
    await pending
    // The first ack started it: 29,999 live messages, then the 24,999 acks and the send since,
    // where the journal would otherwise hold 30,000 puts, 30,000 receipts, 25,000 acks and one put.
    const lines = readFileSync(path, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(29_999 + 24_999 + 1)
    store.close()
    const reopened = new QueueStore(path).messages('jobs').map((m) => m.body)
    expect(reopened).toHaveLength(5_001)
    expect(reopened.at(-1)).toBe('during')
  })

  it('loses nothing when the process is killed in the middle of a compaction', () => {
    const path = journal()
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { QueueStore } from ${JSON.stringify(new URL('../../dist/deploy/queues.js', import.meta.url).href)}
const store = new QueueStore(${JSON.stringify(path)})
for (let sent = 0; sent < 40000; sent += 1000)
  store.send('jobs', Array.from({ length: 1000 }, (_, i) => ({ body: 'm' + (sent + i) })))
for (const message of store.receive({ name: 'jobs', maxAttempts: 3, visibilityTimeoutSeconds: 0, fifo: false }, 40000))
  if (Number(message.body.slice(1)) % 4 !== 0) store.ack(message)
if (!store.compaction) throw new Error('no compaction started')
setImmediate(() => { store.send('jobs', [{ body: 'last' }]); process.kill(process.pid, 'SIGKILL') })`,
      ],
      { encoding: 'utf8' },
    )
    expect(child.signal, child.stderr).toBe('SIGKILL')
    expect(existsSync(`${path}.compact`)).toBe(true)
    const bodies = new QueueStore(path).messages('jobs').map((m) => m.body)
    expect(bodies).toHaveLength(10_001)
    expect(bodies.filter((body) => body !== 'last').every((body) => Number(body.slice(1)) % 4 === 0)).toBe(
      true,
    )
  })
})

describe('a journal the disk refuses', () => {
  it.runIf(existsSync('/dev/full'))('reports a full disk as UNAVAILABLE, saying what to do', () => {
    const full = new Journal('/dev/full')
    expect(() => full.append({ op: 'put' })).toThrow(
      expect.objectContaining({
        code: 'UNAVAILABLE',
        message: 'The local cloud cannot write /dev/full: the disk is full (ENOSPC); free some space.',
      }),
    )
  })
})
