import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { LocalCloudClient, readMetrics, statePaths } from '@xfn/local'
import autocannon from 'autocannon'
import { targets } from './lib/targets.js'

/**
 * The local cloud under load, as one machine's worth of traffic: 50,000 HTTP requests over 200
 * connections, then a burst of 100,000 messages through a queue. Targets: no error, no lost
 * message (every message handled exactly once, none dead-lettered), and memory that stays
 * bounded (the resident memory of the cloud and of each sandbox, sampled every 100 ms, against
 * what each used when idle before the run).
 */
const root = process.cwd()
const cli = join(root, 'cli/bin/run.js')
const project = join(root, 'bench/fixtures/local-app')
const { target, finish } = targets()

const residentMb = (pid: number | undefined) => {
  if (pid === undefined) return 0
  try {
    return (Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096) / 2 ** 20
  } catch {
    return 0
  }
}

spawnSync(process.execPath, [cli, 'destroy', project, '--yes'], { encoding: 'utf8' })
const deployed = spawnSync(process.execPath, [cli, 'deploy', project, '--port', '0', '--json'], {
  encoding: 'utf8',
})
if (deployed.status !== 0) throw new Error(`deploy failed: ${deployed.stderr}`)
const { url, pid, sandboxes } = JSON.parse(deployed.stdout) as {
  url: string
  pid: number
  sandboxes: { http: number; background: number }
}
const processes = { cloud: pid, 'HTTP sandbox': sandboxes.http, 'background sandbox': sandboxes.background }
const idle = Object.fromEntries(Object.entries(processes).map(([name, p]) => [name, residentMb(p)]))
const peak = { ...idle }
const sampler = setInterval(() => {
  for (const [name, p] of Object.entries(processes)) peak[name] = Math.max(peak[name] ?? 0, residentMb(p))
}, 100)

try {
  // HTTP: a fixed number of requests, as fast as 200 connections take them.
  const started = performance.now()
  const http = await autocannon({ url: `${url}/items/42`, connections: 200, amount: 50_000, workers: 0 })
  const seconds = (performance.now() - started) / 1000
  console.log('\nHTTP: 50,000 requests, 200 connections')
  console.log(
    `  ${http.requests.total} answered in ${seconds.toFixed(1)} s (${(http.requests.total / seconds).toFixed(0)} req/s), p99 ${http.latency.p99} ms, ${http.errors} errors, ${http.non2xx} non-2xx, ${http.timeouts} timeouts`,
  )
  target(
    'every request answered 200',
    http.requests.total >= 50_000 && http.errors + http.non2xx + http.timeouts === 0,
    `${http.errors + http.non2xx + http.timeouts} failures`,
  )

  // Queue: a burst of 100,000 messages, sent in batches as fast as the control API takes them.
  const client = new LocalCloudClient(project)
  const messages = 100_000
  const burstStarted = performance.now()
  for (let sent = 0; sent < messages; sent += 500)
    await client.send(
      'bench',
      Array.from({ length: 500 }, (_, i) => JSON.stringify({ n: sent + i })),
    )
  const sentIn = (performance.now() - burstStarted) / 1000
  for (;;) {
    const status = await client.status()
    const depth = (status?.queues.bench?.visible ?? 0) + (status?.queues.bench?.hidden ?? 0)
    if (depth === 0) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const drainedIn = (performance.now() - burstStarted) / 1000
  // The counts are written once a second; wait for the last one.
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const consumed = (await readMetrics(statePaths(project))).find((fn) => fn.function === 'consume')
  const dead = (await client.messages('bench-dlq')).length
  console.log('\nQueue: a burst of 100,000 messages')
  console.log(
    `  sent in ${sentIn.toFixed(1)} s, all handled ${drainedIn.toFixed(1)} s after the first (${(messages / drainedIn).toFixed(0)} msg/s); ${consumed?.invocations ?? 0} invocations, ${consumed?.errors ?? 0} errors, ${dead} dead-lettered`,
  )
  target(
    'every message handled once, none lost or dead-lettered',
    consumed?.invocations === messages && consumed.errors === 0 && dead === 0,
    `${consumed?.invocations ?? 0} of ${messages}`,
  )
} finally {
  clearInterval(sampler)
  spawnSync(process.execPath, [cli, 'destroy', project, '--yes'], { encoding: 'utf8' })
}

console.log('\nResident memory (MB): idle after deploy, and the peak under load')
for (const name of Object.keys(processes)) {
  console.log(
    `  ${name.padEnd(20)} ${idle[name]?.toFixed(0).padStart(5)}  →  ${peak[name]?.toFixed(0).padStart(5)}`,
  )
}
const grownMost = Math.max(...Object.keys(processes).map((name) => (peak[name] ?? 0) - (idle[name] ?? 0)))
target(
  'memory bounded',
  grownMost < 512,
  `the most any process grew: ${grownMost.toFixed(0)} MB (target < 512 MB)`,
)

finish()
