import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { QueueStore } from '../adapters/local/src/deploy/queues.js'

/**
 * The local cloud's durable queue with a backlog: sends, and receive+ack pairs, per second with
 * 0, 100k and 500k messages waiting, each on its own journal, in the same run. The empty queue is
 * the baseline (target: with 500k waiting, each rate at least half of it). The loops yield to
 * the event loop every 500 operations, as the cloud's request path does, so a background
 * compaction gets its turns. Also the longest single operation, which a compaction on the
 * request path would show.
 */
const operations = 60_000
const spec = { name: 'jobs', maxAttempts: 3, visibilityTimeoutSeconds: 30, fifo: false }
const turn = () => new Promise((resolve) => setImmediate(resolve))
let missed = false

async function measure(waiting: number) {
  const dir = mkdtempSync(join(tmpdir(), 'xfn-backlog-'))
  const store = new QueueStore(join(dir, 'queues.journal'))
  const body = JSON.stringify({ order: 'x'.repeat(60) })
  for (let sent = 0; sent < waiting; sent += 1000)
    store.send(
      'jobs',
      Array.from({ length: Math.min(1000, waiting - sent) }, () => ({ body })),
    )
  let longest = 0
  const timed = async (run: () => void) => {
    const started = performance.now()
    for (let i = 0; i < operations; i++) {
      const at = performance.now()
      run()
      longest = Math.max(longest, performance.now() - at)
      if (i % 500 === 499) await turn()
    }
    return operations / ((performance.now() - started) / 1000)
  }
  const sends = await timed(() => store.send('jobs', [{ body }]))
  const cycles = await timed(() => {
    const [message] = store.receive(spec, 1)
    if (message) store.ack(message)
  })
  await store.compaction
  store.close()
  rmSync(dir, { recursive: true, force: true })
  return { sends, cycles, longest }
}

console.log(`\nQueue journal with a backlog: ${operations} sends, then ${operations} receive+ack pairs`)
const rows = []
for (const waiting of [0, 100_000, 500_000]) rows.push({ waiting, ...(await measure(waiting)) })
const [empty] = rows
for (const row of rows) {
  const ratio = (rate: number, base = 1) => (row === empty ? 'baseline' : `${(rate / base).toFixed(2)}x`)
  console.log(
    `  ${String(row.waiting).padStart(7)} waiting  ${row.sends.toFixed(0).padStart(7)} sends/s (${ratio(row.sends, empty?.sends)})  ${row.cycles.toFixed(0).padStart(7)} receive+ack/s (${ratio(row.cycles, empty?.cycles)})  longest op ${row.longest.toFixed(1)} ms`,
  )
}
const worst = rows.at(-1)
if (empty && worst) {
  const met = worst.sends >= empty.sends / 2 && worst.cycles >= empty.cycles / 2
  if (!met) missed = true
  console.log(
    `  ${met ? '✓' : '✗'} 500k waiting within 2x of the empty queue: sends ${(empty.sends / worst.sends).toFixed(2)}x slower, receive+ack ${(empty.cycles / worst.cycles).toFixed(2)}x slower`,
  )
}
if (missed && process.env.XFN_BENCH_STRICT) process.exitCode = 1
