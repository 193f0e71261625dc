import { createHash } from 'node:crypto'
import { FakeAws, region } from '../adapters/aws/src/deploy/__fixtures__/fake-aws.js'
import * as aws from '../adapters/aws/src/deploy/index.js'
import {
  fakeCertificate,
  fakeToken,
  startFakeArm,
} from '../adapters/azure/src/deploy/__fixtures__/fake-arm.js'
import * as azure from '../adapters/azure/src/deploy/index.js'
import { tenFunctions } from './lib/ten-functions.js'

/**
 * `xfn rollback` against going back by redeploying the earlier build, for the 10-function bench
 * app, 25 ms per call standing for the network and the service. Deploy v1, deploy v2, then go back
 * to v1 both ways and measure each: the redeploy (the baseline, same run) reads everything and
 * uploads the old code again; the rollback reads the releases and moves the live aliases (AWS) or
 * publishes the kept package (Azure). The build itself, which only the redeploy needs, is not
 * counted.
 */
const latencyMs = 25
const quiet = async () => undefined
const command = (...args: string[]) => `xfn ${args.join(' ')}`

interface Row {
  readonly cloud: string
  readonly way: string
  readonly calls: number
  readonly mutating: number
  readonly ms: number
}

/** The fake a cloud's calls go to: how slow it answers, and what it was asked since the last reset. */
interface Counted {
  latencyMs: number
  reset(): void
  counts(): { calls: number; mutating: number }
}

/**
 * Deploys v1 then v2 at no latency, then measures going back to v1 by redeploying it, deploys v2
 * again, and measures the rollback to r1.
 */
async function compare(
  cloud: string,
  fake: Counted,
  deploy: (code: number) => Promise<unknown>,
  rollback: () => Promise<unknown>,
): Promise<Row[]> {
  const measure = async (way: string, body: () => Promise<unknown>): Promise<Row> => {
    fake.latencyMs = latencyMs
    fake.reset()
    const started = performance.now()
    await body()
    const ms = performance.now() - started
    fake.latencyMs = 0
    return { cloud, way, ...fake.counts(), ms }
  }
  await deploy(1)
  await deploy(2)
  const redeploy = await measure('redeploy v1', () => deploy(1))
  await deploy(2)
  return [redeploy, await measure('rollback to v1', rollback)]
}

async function onAws(): Promise<Row[]> {
  const fake = new FakeAws()
  const clients = aws.createAwsClients({ region })
  const target = await aws.resolveTarget(clients, 'bench', 'dev')
  const manifest = tenFunctions()
  const handlers = Object.fromEntries(manifest.functions.map((fn) => [fn.name, `index.${fn.name}`]))
  const build = (code: number) => ({ manifest, zip: new Uint8Array(64 * 1024).fill(code), handlers })
  const deploy = async (code: number) =>
    aws.applyPlan(clients, await aws.planDeploy(clients, build(code), target), { sleep: quiet })
  const rows = await compare(
    'aws',
    {
      set latencyMs(ms: number) {
        fake.latencyMs = ms
      },
      reset: () => fake.reset(),
      counts: () => ({ calls: fake.calls.length, mutating: fake.mutatingCalls().length }),
    },
    deploy,
    () => aws.rollback(clients, target, { to: 'r1', codeOnly: false }, command),
  )
  fake.restore()
  return rows
}

async function onAzure(): Promise<Row[]> {
  const fake = await startFakeArm()
  const clients = azure.createAzureClients({
    subscriptionId: '00000000-0000-0000-0000-00000000bbbb',
    credential: azure.staticTokenCredential(fakeToken),
    endpoint: fake.endpoint,
    tls: { ca: fakeCertificate },
  })
  const target = await azure.resolveTarget(clients, { app: 'bench', stage: 'dev' })
  const build = (code: number) => {
    const zip = new Uint8Array(64 * 1024).fill(code)
    return { manifest: tenFunctions(), zip, sha256: createHash('sha256').update(zip).digest('hex') }
  }
  const apply = {
    sleep: async (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, latencyMs))),
    pollIntervalMs: latencyMs,
  }
  const deploy = async (code: number) =>
    azure.applyPlan(clients, await azure.planDeploy(clients, build(code), target), apply)
  const rows = await compare(
    'azure',
    {
      set latencyMs(ms: number) {
        fake.latencyMs = ms
      },
      reset: () => {
        fake.requests.length = 0
      },
      counts: () => ({ calls: fake.requests.length, mutating: fake.mutating().length }),
    },
    deploy,
    () => azure.rollback(clients, target, { to: 'r1', codeOnly: false }, command, apply),
  )
  await fake.close()
  return rows
}

console.log(`\nxfn rollback against a redeploy of the earlier build: 10 functions, ${latencyMs} ms per call`)
console.log(
  `  ${'cloud'.padEnd(6)} ${'way'.padEnd(16)} ${'calls'.padStart(6)} ${'mutating'.padStart(9)} ${'time'.padStart(9)} ${'ratio'.padStart(6)}`,
)
let met = true
for (const [redeploy, rollback] of [await onAws(), await onAzure()]) {
  if (!redeploy || !rollback) continue
  for (const row of [redeploy, rollback])
    console.log(
      `  ${row.cloud.padEnd(6)} ${row.way.padEnd(16)} ${String(row.calls).padStart(6)} ${String(row.mutating).padStart(9)} ${`${row.ms.toFixed(0)} ms`.padStart(9)} ${`${(row.ms / redeploy.ms).toFixed(2)}×`.padStart(6)}`,
    )
  met &&= rollback.ms < redeploy.ms && rollback.calls < redeploy.calls
}
console.log(
  `  ${met ? '✓' : '✗'} target: a rollback takes fewer calls and less time than the redeploy it replaces`,
)
if (!met && process.env.XFN_BENCH_STRICT) process.exitCode = 1
