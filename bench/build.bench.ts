import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { hostJson } from '../adapters/azure/src/build/index.js'
import { deterministicZip } from '../bundler/src/zip.js'
import { buildAzureBaseline } from './lib/azure-baseline.js'

/**
 * Artifact sizes and build times, each against a baseline made in the same run:
 * - the hello-world AWS zip, against its 15 KB budget;
 * - the hello-world Azure zip, against a hand-written @azure/functions hello app bundled and
 *   zipped the same way;
 * - a 20-function app: the build time, and one shared zip against one zip per function.
 */
// npm runs benchmarks from the repository's root.
const root = process.cwd()
const cli = join(root, 'cli/bin/run.js')
const work = join(root, 'bench/.out/build')
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })

function xfnBuild(project: string, cloud: string) {
  const started = performance.now()
  const result = spawnSync(process.execPath, [cli, 'build', project, '--cloud', cloud, '--json'], {
    encoding: 'utf8',
  })
  if (result.status !== 0) throw new Error(`xfn build ${project} --cloud ${cloud} failed: ${result.stderr}`)
  const manifest = JSON.parse(result.stdout) as { artifacts: { path: string; bytes: number }[] }
  return { ms: performance.now() - started, bytes: manifest.artifacts[0]?.bytes ?? 0 }
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
let missed = false
function target(label: string, met: boolean, detail: string) {
  console.log(`  ${met ? '✓' : '✗'} ${label}: ${detail}`)
  if (!met) missed = true
}

// Hello world on AWS and on Azure.
const hello = join(root, 'examples/hello')
const awsHello = xfnBuild(hello, 'aws')
const azureHello = xfnBuild(hello, 'azure')

const baselineOut = join(work, 'azure-hello')
await buildAzureBaseline(root, baselineOut)
const baselineFiles = new Map<string, Uint8Array>([
  ['dist/index.mjs', readFileSync(join(baselineOut, 'dist/index.mjs'))],
  ['dist/index.mjs.map', readFileSync(join(baselineOut, 'dist/index.mjs.map'))],
  [
    'host.json',
    Buffer.from(
      JSON.stringify(
        hostJson({ manifestVersion: 1, app: 'hello', functions: [], queues: [], buckets: [] }),
        null,
        2,
      ),
    ),
  ],
  ['package.json', readFileSync(join(baselineOut, 'package.json'))],
])
const baselineZip = deterministicZip(baselineFiles).byteLength

console.log('\nArtifact sizes')
console.log(`  AWS hello-world zip                       ${kib(awsHello.bytes)}`)
console.log(`  Azure hello-world zip                     ${kib(azureHello.bytes)}`)
console.log(`  hand-written @azure/functions hello zip   ${kib(baselineZip)}  baseline`)
target('AWS hello-world zip', awsHello.bytes < 15 * 1024, `${kib(awsHello.bytes)} (budget < 15 KiB)`)
target(
  'Azure hello-world zip',
  azureHello.bytes <= 1.3 * baselineZip,
  `${(azureHello.bytes / baselineZip).toFixed(2)}x the hand-written app (budget ≤ 1.3x)`,
)

/**
 * What turning on source maps costs a cold start: the milliseconds to import a built Function
 * App in a fresh Node process (the host played by a stand-in), through package.json main, which
 * turns source maps on, against importing the bundle directly, which leaves them off.
 */
const hostStandIn = join(work, 'host.mjs')
writeFileSync(
  hostStandIn,
  [
    "import Module from 'node:module'",
    'const disposable = { dispose() {} }',
    'const core = { registerFunction: () => disposable, registerHook: () => disposable, setProgrammingModel() {}, getProgrammingModel() {}, log() {} }',
    'const require = Module.prototype.require',
    "Module.prototype.require = function (id) { return id === '@azure/functions-core' ? core : require.call(this, id) }",
    'const started = performance.now()',
    'await import(process.argv[2])',
    'console.log(performance.now() - started)',
  ].join('\n'),
)
function coldLoads(appFolder: string) {
  const load = (module: string) =>
    Number(
      spawnSync(process.execPath, [hostStandIn, pathToFileURL(join(appFolder, module)).href], {
        encoding: 'utf8',
      }).stdout,
    )
  const withMaps: number[] = []
  const without: number[] = []
  for (let i = 0; i < 15; i++) {
    withMaps.push(load('dist/index.mjs'))
    without.push(load('dist/app.mjs'))
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
  return { withMaps: median(withMaps), without: median(without) }
}
function reportColdLoad(label: string, appFolder: string) {
  const { withMaps, without } = coldLoads(appFolder)
  console.log(
    `  ${label.padEnd(22)} ${withMaps.toFixed(1)} ms with source maps, ${without.toFixed(1)} ms without: +${(withMaps - without).toFixed(1)} ms (${(withMaps / without).toFixed(2)}x)`,
  )
}

// A 20-function app.
const twenty = join(work, 'twenty')
mkdirSync(join(twenty, 'src'), { recursive: true })
writeFileSync(join(twenty, 'package.json'), JSON.stringify({ name: 'twenty', private: true, type: 'module' }))
const source = [
  `import { app, queue, bucket } from '@xfn/core'`,
  `const jobs = queue('jobs')`,
  `const files = bucket('files')`,
]
for (let i = 0; i < 14; i++) {
  source.push(
    `app.http('route${i}', { route: '/items${i}/{id}', method: ['GET', 'POST'] }, async (request) => ({ json: { id: request.params.id, n: ${i} } }))`,
  )
}
for (let i = 0; i < 3; i++)
  source.push(
    `app.queue('worker${i}', { queue: 'jobs${i}' }, (message) => { if (!message.text()) throw new Error('empty') })`,
  )
source.push(`app.timer('nightly', { schedule: '0 2 * * *' }, () => undefined)`)
source.push(`app.timer('poll', { every: '5 minutes' }, () => jobs.send({ poll: true }))`)
source.push(`app.blob('audit', { bucket: files }, (event) => files.get(event.key))`)
writeFileSync(join(twenty, 'src/index.ts'), `${source.join('\n')}\n`)

console.log('\nBuilding a 20-function app (one xfn build: two record-mode loads, checks, bundle, zip)')
for (const cloud of ['aws', 'azure', 'local']) {
  const times = [1, 2, 3].map(() => xfnBuild(twenty, cloud))
  const best = Math.min(...times.map((t) => t.ms))
  console.log(
    `  ${cloud.padEnd(6)} ${best.toFixed(0).padStart(5)} ms (best of 3)  artifact ${kib(times[0]?.bytes ?? 0)}`,
  )
}

console.log('\nAzure cold load (median of 15, each in a fresh process)')
reportColdLoad('hello world', join(hello, '.xfn/build/azure/app'))
reportColdLoad('20-function app', join(twenty, '.xfn/build/azure/app'))

// One shared zip (what xfn builds) against one zip per function, for the same app.
const runtime = join(root, 'adapters/aws/dist/runtime/index.js')
const perFunction: number[] = []
const started = performance.now()
for (let i = 0; i < 14; i++) {
  const result = await build({
    stdin: {
      contents: `import ${JSON.stringify(join(twenty, 'src/index.ts'))}\nimport { httpHandler } from ${JSON.stringify(runtime)}\nexport const route${i} = httpHandler('route${i}')\n`,
      resolveDir: twenty,
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    outfile: join(work, 'per-function/index.mjs'),
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    external: ['@aws-sdk/*'],
    define: { 'process.env.XFN_PREVALIDATED': '"true"' },
  })
  const files = new Map(result.outputFiles.map((file) => [file.path.split('/').at(-1) ?? '', file.contents]))
  perFunction.push(deterministicZip(files).byteLength)
}
const perFunctionMs = performance.now() - started
const shared = xfnBuild(twenty, 'aws')
console.log('\nOne shared zip against one zip per function (the 14 HTTP functions of the 20-function app)')
console.log(`  shared zip (all 20 functions)      ${kib(shared.bytes)}, one upload`)
console.log(
  `  zip per function                   ${kib(Math.max(...perFunction))} each, ${perFunction.length} uploads, ${kib(perFunction.reduce((a, b) => a + b, 0))} in all; bundling took ${perFunctionMs.toFixed(0)} ms`,
)
console.log(`  per-function zip / shared zip      ${(Math.max(...perFunction) / shared.bytes).toFixed(2)}x`)

if (missed && process.env.XFN_BENCH_STRICT) process.exitCode = 1
