import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
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

  it('reports a journal damaged in the middle, naming the file and the line', () => {
    const path = journal()
    writeFileSync(
      path,
      '{"op":"put","id":"1","q":"jobs","body":"a","at":1,"visibleAt":1}\nnot json\n{"op":"ack","id":"1","q":"jobs"}\n',
    )
    expect(() => new QueueStore(path)).toThrow(new RegExp(`${path} is damaged at line 2`))
  })
})
