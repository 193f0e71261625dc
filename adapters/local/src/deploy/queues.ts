import { randomUUID } from 'node:crypto'
import type { QueueSpec } from '@xfn/core'
import { Journal } from './journal.js'

/** One message as the store keeps it. */
export interface StoredMessage {
  readonly id: string
  readonly queue: string
  readonly body: string
  /** A topic message's attributes (a queue message has none). */
  readonly attributes?: Readonly<Record<string, string>>
  readonly enqueuedAt: number
  /** Deliveries so far. */
  attempt: number
  /** When it may be delivered (again): after a delay, or when a delivery's visibility ends. */
  visibleAt: number
}

type QueueRecord =
  | {
      op: 'put'
      id: string
      q: string
      body: string
      /** A topic message's attributes; absent for queue messages (and in journals from before topics). */
      attrs?: Readonly<Record<string, string>>
      at: number
      visibleAt: number
      attempt?: number
    }
  | { op: 'recv'; id: string; q: string; attempt: number; visibleAt: number }
  | { op: 'ack'; id: string; q: string }

/**
 * The queue of a topic's subscription on the local cloud, `<topic>.<function>`: no declared
 * queue can have it, since queue names have no dots. `xfn queue dlq|redrive` take it.
 */
export const subscriptionQueue = (topic: string, functionName: string) => `${topic}.${functionName}`

/** The name of a queue's dead-letter queue on the local cloud. */
export const deadLetterName = (queue: string) => `${queue}-dlq`

/**
 * The journal is compacted once it holds this many records and more dead records than live ones,
 * so each write pays for compaction a bounded share whatever the backlog.
 */
const compactAfterRecords = 50_000

/**
 * Durable queues on local disk, for at-least-once delivery: a message is written to the journal
 * before `send` returns, and removed only after its handler succeeds or it is dead-lettered. A
 * delivery hides the message for the queue's visibility timeout; if the process dies meanwhile,
 * the message is delivered again after a restart. Dead-letter queues are queues like the others.
 */
export class QueueStore {
  readonly #journal: Journal<QueueRecord>
  readonly #queues = new Map<string, Map<string, StoredMessage>>()
  readonly #warn: (message: string) => void
  #records = 0
  /** Messages in all queues. */
  #live = 0
  /** The compaction under way in the background, if any. */
  compaction: Promise<void> | undefined

  constructor(path: string, options: { warn?: (message: string) => void } = {}) {
    this.#warn = options.warn ?? (() => undefined)
    const damaged = (line: number) =>
      this.#warn(`${path} is damaged at line ${line}: that record was skipped, and the rest kept`)
    for (const record of Journal.read<QueueRecord>(path, damaged)) this.#apply(record)
    this.#journal = new Journal<QueueRecord>(path)
    this.#compact()
  }

  /** Writes messages durably; they are visible after their delay. */
  send(queue: string, messages: readonly { body: string; delaySeconds?: number }[]): string[] {
    const now = Date.now()
    const records: QueueRecord[] = messages.map((message) => ({
      op: 'put',
      id: randomUUID(),
      q: queue,
      body: message.body,
      at: now,
      visibleAt: now + (message.delaySeconds ?? 0) * 1000,
    }))
    this.#write(records)
    return records.map((record) => record.id)
  }

  /**
   * Writes one published message into the queue of each subscription it goes to, in one write,
   * under one id (the message's, whichever subscription gets it).
   */
  fanOut(
    queues: readonly string[],
    message: { body: string; attributes: Readonly<Record<string, string>> },
  ): string {
    const id = randomUUID()
    const now = Date.now()
    this.#write(
      queues.map((q) => ({
        op: 'put',
        id,
        q,
        body: message.body,
        attrs: message.attributes,
        at: now,
        visibleAt: now,
      })),
    )
    return id
  }

  /** Takes up to `max` visible messages, hiding each for the visibility timeout and counting the attempt. */
  receive(spec: QueueSpec, max: number): StoredMessage[] {
    const queue = this.#queues.get(spec.name)
    if (!queue) return []
    const now = Date.now()
    const taken: StoredMessage[] = []
    for (const message of queue.values()) {
      if (message.visibleAt > now) continue
      taken.push(message)
      if (taken.length >= max) break
    }
    this.#write(
      taken.map((m) => ({
        op: 'recv',
        id: m.id,
        q: m.queue,
        attempt: m.attempt + 1,
        visibleAt: now + spec.visibilityTimeoutSeconds * 1000,
      })),
    )
    return taken
  }

  /** The handler succeeded: the message is gone. */
  ack(message: StoredMessage): void {
    this.#write([{ op: 'ack', id: message.id, q: message.queue }])
  }

  /** Moves a message to another queue (its dead-letter queue, or back on a re-drive) in one write. */
  move(message: StoredMessage, to: string, options: { keepAttempts: boolean }): void {
    const now = Date.now()
    this.#write([
      {
        op: 'put',
        id: message.id,
        q: to,
        body: message.body,
        ...(message.attributes ? { attrs: message.attributes } : {}),
        at: message.enqueuedAt,
        visibleAt: now,
        attempt: options.keepAttempts ? message.attempt : 0,
      },
      { op: 'ack', id: message.id, q: message.queue },
    ])
  }

  /** Moves every message of a dead-letter queue back to its queue; returns how many. */
  redrive(queue: string): number {
    const dead = [...(this.#queues.get(deadLetterName(queue))?.values() ?? [])]
    for (const message of dead) this.move(message, queue, { keepAttempts: false })
    return dead.length
  }

  messages(queue: string): StoredMessage[] {
    return [...(this.#queues.get(queue)?.values() ?? [])]
  }

  /** Messages waiting and hidden (being handled, or delayed) per queue. */
  depths(): Record<string, { visible: number; hidden: number }> {
    const now = Date.now()
    const out: Record<string, { visible: number; hidden: number }> = {}
    for (const [name, queue] of this.#queues) {
      let visible = 0
      for (const message of queue.values()) if (message.visibleAt <= now) visible++
      out[name] = { visible, hidden: queue.size - visible }
    }
    return out
  }

  /** When the next hidden message of a queue becomes visible, if any. */
  nextVisibleAt(queue: string): number | undefined {
    let next: number | undefined
    for (const message of this.#queues.get(queue)?.values() ?? []) {
      if (next === undefined || message.visibleAt < next) next = message.visibleAt
    }
    return next
  }

  close(): void {
    this.#journal.close()
  }

  #write(records: QueueRecord[]): void {
    if (records.length === 0) return
    this.#journal.append(...records)
    for (const record of records) this.#apply(record)
    this.#records += records.length
    if (this.#records > compactAfterRecords && this.#records > 2 * this.#live && !this.compaction)
      this.#compactInBackground([...this.#queues.values()].flatMap((queue) => [...queue.values()]))
  }

  /** Rewrites the journal with one record per live message, without holding up the callers. */
  #compactInBackground(live: StoredMessage[]): void {
    this.#records = live.length
    this.compaction = this.#journal
      .compactInBackground(live, putRecord)
      .catch((error: unknown) => {
        this.#warn(
          `compacting ${this.#journal.path} failed (${error instanceof Error ? error.message : String(error)}); it goes on growing until the next try`,
        )
      })
      .finally(() => {
        this.compaction = undefined
      })
  }

  #apply(record: QueueRecord): void {
    let queue = this.#queues.get(record.q)
    if (!queue) {
      queue = new Map()
      this.#queues.set(record.q, queue)
    }
    if (record.op === 'put') {
      if (!queue.has(record.id)) this.#live++
      queue.set(record.id, {
        id: record.id,
        queue: record.q,
        body: record.body,
        ...(record.attrs ? { attributes: record.attrs } : {}),
        enqueuedAt: record.at,
        attempt: record.attempt ?? 0,
        visibleAt: record.visibleAt,
      })
      return
    }
    const message = queue.get(record.id)
    if (!message) return
    if (record.op === 'ack') {
      queue.delete(record.id)
      this.#live--
    } else {
      message.attempt = record.attempt
      message.visibleAt = record.visibleAt
    }
  }

  /** Rewrites the journal with one record per live message, at once (on start). */
  #compact(): void {
    const live = [...this.#queues.values()].flatMap((queue) => [...queue.values()].map(putRecord))
    this.#journal.rewrite(live)
    this.#records = live.length
  }
}

/** The record that puts a message back as it is now. */
function putRecord(m: StoredMessage): QueueRecord {
  return {
    op: 'put',
    id: m.id,
    q: m.queue,
    body: m.body,
    ...(m.attributes ? { attrs: m.attributes } : {}),
    at: m.enqueuedAt,
    visibleAt: m.visibleAt,
    attempt: m.attempt,
  }
}
