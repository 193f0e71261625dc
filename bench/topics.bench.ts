import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { LocalCloud, LocalCloudClient, readLogs, statePaths } from '@xfn/local'
import { targets } from './lib/targets.js'

/**
 * Topics on the local cloud, against queues measured in the same run: a function sends a burst of
 * messages one call each (ten at a time), and every consumer logs how long after its send it ran.
 * - a queue and its consumer: the baseline;
 * - a topic with one subscription: what a publish costs over a send;
 * - a topic with three subscriptions: the fan-out, three deliveries per publish.
 * Throughput is deliveries per second from the first send to the last handled; latency is
 * send to handler, median and p95. Three rounds, interleaved; the best round of each is shown.
 * Target: a one-subscription topic at least 0.7x the queue's throughput.
 */
const root = process.cwd()
const cli = join(root, 'cli/bin/run.js')
const project = join(root, 'bench/fixtures/topics-app')
const state = join(root, 'bench/.out/topics-bench')
const burst = Number(process.env.XFN_TOPIC_BURST ?? 2000)
const { target, finish } = targets()

const build = spawnSync(process.execPath, [cli, 'build', project, '--cloud', 'local'], { encoding: 'utf8' })
if (build.status !== 0) throw new Error(`xfn build failed: ${build.stderr}`)
rmSync(state, { recursive: true, force: true })
const cloud = new LocalCloud({ projectDir: state, port: 0 })
await cloud.start()
const { deployment } = new LocalCloudClient(state).prepare({
  app: 'topics-bench',
  module: join(project, '.xfn/build/local/app.mjs'),
  sha256: 'bench',
})
await cloud.deploy(deployment)

const cases = [
  { name: 'queue, 1 consumer', kind: 'queue', queues: ['direct'] },
  { name: 'topic, 1 subscription', kind: 'single', queues: ['single.fromSingle'] },
  {
    name: 'topic, 3 subscriptions',
    kind: 'triple',
    queues: ['triple.fromTriplea', 'triple.fromTripleb', 'triple.fromTriplec'],
  },
] as const

const waiting = (queues: readonly string[]) => {
  const depths = cloud.queues.depths()
  return queues.reduce((sum, q) => sum + (depths[q]?.visible ?? 0) + (depths[q]?.hidden ?? 0), 0)
}
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0

const best = new Map<string, { rate: number; median: number; p95: number }>()
for (let round = 0; round < 3; round++) {
  for (const c of cases) {
    const since = new Date()
    const started = performance.now()
    const fired = await fetch(`${cloud.baseUrl}/fire/${c.kind}/${burst}`, { method: 'POST' })
    if (fired.status !== 202) throw new Error(`firing ${c.kind} answered ${fired.status}`)
    while (waiting(c.queues) > 0) await new Promise((resolve) => setTimeout(resolve, 2))
    const rate = (burst * c.queues.length) / ((performance.now() - started) / 1000)
    // The sandbox writes its log lines within a tenth of a second.
    await new Promise((resolve) => setTimeout(resolve, 400))
    const latencies: number[] = []
    for await (const event of readLogs(statePaths(state), { since }))
      if (event.kind === 'app' && event.message === 'handled')
        latencies.push((event.fields as { ms: number }).ms)
    if (latencies.length !== burst * c.queues.length)
      throw new Error(`${c.name}: ${latencies.length} deliveries logged, expected ${burst * c.queues.length}`)
    const figures = { rate, median: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) }
    if (figures.rate > (best.get(c.name)?.rate ?? 0)) best.set(c.name, figures)
  }
}
await cloud.stop()
rmSync(state, { recursive: true, force: true })

const baseline = best.get('queue, 1 consumer')?.rate ?? 1
console.log(`\nLocal cloud: ${burst} messages sent or published, each delivery logged (best of 3 rounds)`)
for (const [name, { rate, median, p95 }] of best)
  console.log(
    `  ${name.padEnd(24)} ${rate.toFixed(0).padStart(7)} deliveries/s  ${(rate / baseline).toFixed(2)}x  latency median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`,
  )
const single = best.get('topic, 1 subscription')?.rate ?? 0
target(
  'one-subscription topic throughput',
  single >= 0.7 * baseline,
  `${(single / baseline).toFixed(2)}x the queue (target ≥ 0.7x)`,
)
finish()
