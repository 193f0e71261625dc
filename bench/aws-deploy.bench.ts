import { FakeAws, region } from '../adapters/aws/src/deploy/__fixtures__/fake-aws.js'
import {
  type AwsBuild,
  applyPlan,
  createAwsClients,
  planDeploy,
  resolveTarget,
} from '../adapters/aws/src/deploy/index.js'
import type { Manifest } from '../core/src/index.js'
import { tenFunctions } from './lib/ten-functions.js'

/**
 * API calls and time of `xfn deploy --cloud aws` for a 10-function app (4 HTTP, 2 queue, 2 timer,
 * 2 blob), against the stateful fake of the control plane with 25 ms per call standing for the
 * network and the service: a first deploy, a redeploy with nothing to do, a change to one
 * function's settings, and a code change. The baseline, in the same run, is the same deploy with
 * its changes applied one at a time (reads are concurrent in both).
 */
const latencyMs = 25

function build(manifest: Manifest, code: number): AwsBuild {
  return {
    manifest,
    zip: new Uint8Array([code]),
    handlers: Object.fromEntries(manifest.functions.map((fn) => [fn.name, `index.${fn.name}`])),
  }
}

async function measure(concurrency: number) {
  const fake = new FakeAws()
  fake.latencyMs = latencyMs
  const clients = createAwsClients({ region })
  const target = await resolveTarget(clients, 'bench', 'dev')
  const rows: { step: string; calls: number; mutating: number; ms: number }[] = []
  const step = async (label: string, next: AwsBuild) => {
    fake.reset()
    const started = performance.now()
    await applyPlan(clients, await planDeploy(clients, next, target), {
      concurrency,
      sleep: async () => undefined,
    })
    rows.push({
      step: label,
      calls: fake.calls.length,
      mutating: fake.mutatingCalls().length,
      ms: performance.now() - started,
    })
  }
  await step('first deploy', build(tenFunctions(), 1))
  await step('no-op redeploy', build(tenFunctions(), 1))
  await step("one function's memory", build(tenFunctions(512), 1))
  await step('new code (shared zip)', build(tenFunctions(512), 2))
  fake.restore()
  return rows
}

console.log(`\nxfn deploy --cloud aws: a 10-function app, ${latencyMs} ms per API call (fake control plane)`)
const sequential = await measure(1)
const concurrent = await measure(4)
console.log(
  `  ${'step'.padEnd(24)} ${'calls'.padStart(6)} ${'mutating'.padStart(9)} ${'time'.padStart(9)} ${'one at a time'.padStart(14)} ${'ratio'.padStart(6)}`,
)
for (const [i, row] of concurrent.entries()) {
  const base = sequential[i]
  console.log(
    `  ${row.step.padEnd(24)} ${String(row.calls).padStart(6)} ${String(row.mutating).padStart(9)} ${`${row.ms.toFixed(0)} ms`.padStart(9)} ${`${base?.ms.toFixed(0)} ms`.padStart(14)} ${`${((row.ms / (base?.ms ?? 1)) * 1).toFixed(2)}×`.padStart(6)}`,
  )
}
const noop = concurrent[1]
const met = noop !== undefined && noop.mutating === 0
console.log(
  `  ${met ? '✓' : '✗'} target: a redeploy with nothing to do makes no mutating call (${noop?.mutating ?? '?'})`,
)
if (!met && process.env.XFN_BENCH_STRICT) process.exitCode = 1
