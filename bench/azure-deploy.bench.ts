import { createHash } from 'node:crypto'
import {
  fakeCertificate,
  fakeToken,
  startFakeArm,
} from '../adapters/azure/src/deploy/__fixtures__/fake-arm.js'
import {
  type AzureBuild,
  applyPlan,
  createAzureClients,
  planDeploy,
  resolveTarget,
  staticTokenCredential,
} from '../adapters/azure/src/deploy/index.js'
import { tenFunctions } from './lib/ten-functions.js'

/**
 * Requests and time of `xfn deploy --cloud azure` for a 10-function app (4 HTTP, 2 queue,
 * 2 timer, 2 blob through Event Grid) on Flex Consumption, the default, against the fake
 * Resource Manager over HTTPS on 127.0.0.1 with 25 ms per answer standing for the network and
 * the service, and long-running operations polled every 25 ms: a first deploy, a redeploy with nothing to do, and a code change.
 * The baseline, in the same run, is the same deploy with its changes applied one at a time.
 */
const latencyMs = 25

function build(code: number): AzureBuild {
  const zip = new Uint8Array(64 * 1024).fill(code)
  return { manifest: tenFunctions(), zip, sha256: createHash('sha256').update(zip).digest('hex') }
}

async function measure(concurrency: number) {
  const fake = await startFakeArm()
  fake.latencyMs = latencyMs
  const clients = createAzureClients({
    subscriptionId: '00000000-0000-0000-0000-00000000bbbb',
    credential: staticTokenCredential(fakeToken),
    endpoint: fake.endpoint,
    tls: { ca: fakeCertificate },
  })
  const target = await resolveTarget(clients, { app: 'bench', stage: 'dev' })
  const rows: { step: string; requests: number; mutating: number; ms: number }[] = []
  const step = async (label: string, next: AzureBuild) => {
    fake.requests.length = 0
    const started = performance.now()
    await applyPlan(clients, await planDeploy(clients, next, target), {
      concurrency,
      sleep: async (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, latencyMs))),
      pollIntervalMs: latencyMs,
    })
    rows.push({
      step: label,
      requests: fake.requests.length,
      mutating: fake.mutating().length,
      ms: performance.now() - started,
    })
  }
  await step('first deploy', build(1))
  await step('no-op redeploy', build(1))
  await step('new code', build(2))
  await fake.close()
  return rows
}

console.log(
  `\nxfn deploy --cloud azure: a 10-function app, ${latencyMs} ms per request (fake Resource Manager)`,
)
const sequential = await measure(1)
const concurrent = await measure(4)
console.log(
  `  ${'step'.padEnd(16)} ${'requests'.padStart(9)} ${'mutating'.padStart(9)} ${'time'.padStart(9)} ${'one at a time'.padStart(14)} ${'ratio'.padStart(6)}`,
)
for (const [i, row] of concurrent.entries()) {
  const base = sequential[i]
  console.log(
    `  ${row.step.padEnd(16)} ${String(row.requests).padStart(9)} ${String(row.mutating).padStart(9)} ${`${row.ms.toFixed(0)} ms`.padStart(9)} ${`${base?.ms.toFixed(0)} ms`.padStart(14)} ${`${(row.ms / (base?.ms ?? 1)).toFixed(2)}×`.padStart(6)}`,
  )
}
const noop = concurrent[1]
const met = noop !== undefined && noop.mutating === 0
console.log(
  `  ${met ? '✓' : '✗'} target: a redeploy with nothing to do makes no mutating request (${noop?.mutating ?? '?'})`,
)
if (!met && process.env.XFN_BENCH_STRICT) process.exitCode = 1
