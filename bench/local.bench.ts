import { spawn, spawnSync } from 'node:child_process'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LocalCloud, LocalCloudClient } from '@xfn/local'
import autocannon from 'autocannon'
import { targets } from './lib/targets.js'

/**
 * The local cloud against baselines measured in the same run:
 * - HTTP requests per second and p99 latency on a small JSON route, against a bare node:http
 *   server answering the same JSON (target: at least 0.7x its throughput);
 * - queue throughput with every message written to the journal, against the same handler fed
 *   from an in-memory array (target: at least 2,000 messages per second).
 */
const root = process.cwd()
const cli = join(root, 'cli/bin/run.js')
const project = join(root, 'bench/fixtures/local-app')
const out = join(root, 'bench/.out')
const { target, finish } = targets()

const bareServer = join(out, 'bare-server.mjs')
writeFileSync(
  bareServer,
  `import { createServer } from 'node:http'
const server = createServer((req, res) => {
  const match = /^\\/items\\/([^/?]+)/.exec(req.url)
  if (req.method !== 'GET' || !match) { res.writeHead(404); return res.end() }
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ id: match[1], name: 'Darjeeling', price: 12.5 }))
})
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`,
)

async function load(url: string) {
  const result = await autocannon({ url, connections: 16, duration: 6, workers: 0 })
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx }
}

// HTTP, each server in its own process.
const bare = spawn(process.execPath, [bareServer], { stdio: ['ignore', 'pipe', 'inherit'] })
const barePort = await new Promise<number>((resolve) =>
  bare.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim()))),
)
const deployed = spawnSync(process.execPath, [cli, 'deploy', project, '--port', '0', '--json'], {
  encoding: 'utf8',
})
if (deployed.status !== 0) throw new Error(`deploy failed: ${deployed.stderr}`)
const { url } = JSON.parse(deployed.stdout) as { url: string }
try {
  await load(`http://127.0.0.1:${barePort}/items/42`) // warm both up
  await load(`${url}/items/42`)
  const baseline = await load(`http://127.0.0.1:${barePort}/items/42`)
  const local = await load(`${url}/items/42`)
  console.log('\nHTTP GET /items/{id}, small JSON, 16 connections, 6 s each')
  console.log(
    `  bare node:http server   ${baseline.rps.toFixed(0).padStart(7)} req/s  p99 ${baseline.p99} ms  baseline`,
  )
  console.log(
    `  xfn local cloud         ${local.rps.toFixed(0).padStart(7)} req/s  p99 ${local.p99} ms  ${(local.rps / baseline.rps).toFixed(2)}x baseline`,
  )
  target(
    'local cloud throughput',
    local.rps >= 0.7 * baseline.rps && local.errors === 0,
    `${(local.rps / baseline.rps).toFixed(2)}x the bare server (target ≥ 0.7x), ${local.errors} errors`,
  )
} finally {
  bare.kill()
  spawnSync(process.execPath, [cli, 'destroy', project, '--yes'], { encoding: 'utf8' })
}

// Queues, in this process: the journal on, against an in-memory array.
const messages = 20_000
const handler = (body: string) => JSON.parse(body)
const memoryStarted = performance.now()
const memory: string[] = []
for (let i = 0; i < messages; i++) memory.push(JSON.stringify({ n: i, pad: 'x'.repeat(64) }))
while (memory.length > 0) {
  for (const body of memory.splice(0, 10)) handler(body)
  await Promise.resolve()
}
const memoryRate = messages / ((performance.now() - memoryStarted) / 1000)

const queueProject = join(out, 'queue-bench')
rmSync(queueProject, { recursive: true, force: true })
spawnSync(process.execPath, [cli, 'build', project, '--cloud', 'local'], { encoding: 'utf8' })
const cloud = new LocalCloud({ projectDir: queueProject, port: 0 })
await cloud.start()
const { deployment } = new LocalCloudClient(queueProject).prepare({
  app: 'bench-app',
  module: join(project, '.xfn/build/local/app.mjs'),
  sha256: 'bench',
})
await cloud.deploy(deployment)
const started = performance.now()
for (let i = 0; i < messages; i += 100) {
  cloud.send(
    'bench',
    Array.from({ length: 100 }, (_, j) => JSON.stringify({ n: i + j, pad: 'x'.repeat(64) })),
  )
}
while ((cloud.queues.depths().bench?.visible ?? 0) + (cloud.queues.depths().bench?.hidden ?? 0) > 0) {
  await new Promise((resolve) => setTimeout(resolve, 5))
}
const durableRate = messages / ((performance.now() - started) / 1000)
await cloud.stop()
rmSync(queueProject, { recursive: true, force: true })
console.log(`\nQueue: ${messages} messages sent, received, handled and deleted (batch 10)`)
console.log(`  in-memory array, same handler     ${memoryRate.toFixed(0).padStart(9)} msg/s  baseline`)
console.log(
  `  local cloud, journal on disk      ${durableRate.toFixed(0).padStart(9)} msg/s  ${(durableRate / memoryRate).toFixed(3)}x baseline`,
)
target('durable queue throughput', durableRate >= 2000, `${durableRate.toFixed(0)} msg/s (target ≥ 2,000)`)

// xfn dev: from saving a file to the new code answering.
const devProject = join(out, 'dev-bench')
rmSync(devProject, { recursive: true, force: true })
cpSync(project, devProject, { recursive: true, filter: (source) => !source.includes('/.xfn') })
const dev = spawn(process.execPath, [cli, 'dev', devProject, '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
let devOutput = ''
dev.stdout.on('data', (chunk) => {
  devOutput += chunk
})
const waitFor = async <T>(check: () => T | undefined): Promise<T> => {
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
const reloads: number[] = []
// However the measuring ends, the dev server stops, so it holds no terminal or pipe open after us.
try {
  const devUrl = await waitFor(() => /http:\/\/127\.0\.0\.1:\d+/.exec(devOutput)?.[0])
  const source = join(devProject, 'src/index.ts')
  const original = readFileSync(source, 'utf8')
  for (let i = 1; i <= 5; i++) {
    const saved = performance.now()
    writeFileSync(source, original.replace("name: 'Darjeeling'", `name: 'Darjeeling ${i}'`))
    for (;;) {
      const body = (await (await fetch(`${devUrl}/items/1`)).json()) as { name: string }
      if (body.name === `Darjeeling ${i}`) break
      if (performance.now() - saved > 10_000) throw new Error('xfn dev did not reload within 10 s')
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    reloads.push(performance.now() - saved)
  }
} finally {
  dev.kill('SIGINT')
  await new Promise((resolve) => dev.once('exit', resolve))
}
rmSync(devProject, { recursive: true, force: true })
reloads.sort((a, b) => a - b)
console.log('\nxfn dev: from saving a source file to the new code answering (5 saves)')
console.log(
  `  median ${reloads[2]?.toFixed(0)} ms, slowest ${reloads[4]?.toFixed(0)} ms (includes the 40 ms that xfn dev lets a save settle)`,
)

finish()
