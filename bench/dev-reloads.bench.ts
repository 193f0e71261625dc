import { spawnSync } from 'node:child_process'
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { LocalCloud, LocalCloudClient } from '@xfn/local'
import { targets } from './lib/targets.js'

// A full collection before each reading, so the figures are what is kept, not what waits for the collector.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * What a day of `xfn dev` does to the local cloud: 500 deploys of a build, each copied into the
 * cloud's state and loaded in new sandboxes, as a save does. Measured after the first 50 (the
 * baseline, same run) and after 500, each after a full collection: the JavaScript heap the cloud
 * keeps (target: within 2 MB of the baseline, so nothing of a reload is kept) and its resident
 * memory (reported: V8 keeps heap pages it grew into for later use, and gives them back slowly).
 * Also: no more than the two newest builds left in .xfn/local/apps, and the median reload time.
 */
const root = process.cwd()
const cli = join(root, 'cli/bin/run.js')
const project = join(root, 'bench/fixtures/local-app')
const state = join(root, 'bench/.out/dev-reloads')
const { target, finish } = targets()

rmSync(state, { recursive: true, force: true })
const built = spawnSync(process.execPath, [cli, 'build', project, '--cloud', 'local'], { encoding: 'utf8' })
if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`)
const client = new LocalCloudClient(state)
const cloud = new LocalCloud({ projectDir: state, port: 0 })
await cloud.start()
const memory = () => {
  gc()
  const { rss, heapUsed } = process.memoryUsage()
  return { rss: rss / 2 ** 20, heap: heapUsed / 2 ** 20 }
}
const reloads = 500
const times: number[] = []
let baseline = { rss: 0, heap: 0 }
for (let i = 1; i <= reloads; i++) {
  const { deployment } = client.prepare({
    app: 'bench-app',
    module: join(project, '.xfn/build/local/app.mjs'),
    sha256: `build-${i}`,
  })
  const started = performance.now()
  await cloud.deploy(deployment)
  times.push(performance.now() - started)
  if (i === 50) baseline = memory()
}
const after = memory()
const builds = readdirSync(join(state, '.xfn/local/apps')).length
await cloud.stop()
rmSync(state, { recursive: true, force: true })
times.sort((a, b) => a - b)

console.log(`\nxfn dev: ${reloads} reloads of the same app in one local cloud`)
console.log(
  `  after 50 reloads (baseline): heap kept ${baseline.heap.toFixed(1)} MB, resident ${baseline.rss.toFixed(1)} MB`,
)
console.log(
  `  after ${reloads}:                  heap kept ${after.heap.toFixed(1)} MB, resident ${after.rss.toFixed(1)} MB (${(after.rss - baseline.rss).toFixed(1)} MB more)`,
)
console.log(
  `  median reload ${times[reloads / 2]?.toFixed(0)} ms, slowest ${times.at(-1)?.toFixed(0)} ms; builds left in apps/: ${builds}`,
)
target(
  'nothing of a reload kept',
  after.heap - baseline.heap < 2,
  `the heap grew ${(after.heap - baseline.heap).toFixed(2)} MB over ${reloads - 50} reloads (target < 2 MB)`,
)
target('old builds pruned', builds <= 2, `${builds} left (target ≤ 2)`)

finish()
