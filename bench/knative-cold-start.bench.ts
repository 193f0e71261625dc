import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'

/**
 * Cold starts of the Knative image's entry: a fresh `node` process, as the container runs it, from
 * its spawn to the answer of its first HTTP request, for examples/hello and a 20-function app (its
 * first route). Baselines from the same run, interleaved:
 *
 * - a bare node:http server answering hello, from its spawn to its first answer (the floor any
 *   Node.js container pays);
 * - the hello entry as one file, with the chunks the build splits out inlined (what it was before);
 * - the same app on the local cloud: `xfn deploy --cloud local` (the CLI, and the cloud process
 *   that loads the same app) until its first answer.
 *
 * Each Knative Service runs the whole app's bundle (one image per app), so a Service of one
 * function loads what a Service of all of them does: the 20-function case is the cost of a
 * per-app image for a function in a large app.
 */
const root = process.cwd()
const cli = join(root, 'cli/bin/run.js')
const work = join(root, 'bench/.out/knative-cold-start')
const runs = Number(process.env.XFN_COLD_RUNS ?? 15)
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

rmSync(work, { recursive: true, force: true })
const twenty = join(work, 'twenty')
mkdirSync(join(twenty, 'src'), { recursive: true })
const source = [`import { app } from '@xfn/core'`]
for (let i = 0; i < 14; i++)
  source.push(
    `app.http('route${i}', { route: '/items${i}/{id}', method: ['GET', 'POST'] }, async (request) => ({ json: { id: request.params.id, n: ${i} } }))`,
  )
for (let i = 0; i < 3; i++) source.push(`app.queue('worker${i}', { queue: 'jobs${i}' }, () => undefined)`)
source.push(`app.timer('nightly', { schedule: '0 2 * * *' }, () => undefined)`)
source.push(`app.timer('hourly', { schedule: '0 * * * *' }, () => undefined)`)
source.push(`app.topic('listener', { topic: 'events' }, () => undefined)`)
writeFileSync(join(twenty, 'package.json'), JSON.stringify({ name: 'twenty', private: true, type: 'module' }))
writeFileSync(join(twenty, 'src/index.ts'), `${source.join('\n')}\n`)
const hello = join(root, 'examples/hello')
for (const dir of [hello, twenty]) {
  const built = spawnSync(process.execPath, [cli, 'build', dir, '--cloud', 'knative'], { encoding: 'utf8' })
  if (built.status !== 0) throw new Error(`xfn build ${dir} --cloud knative failed: ${built.stderr}`)
}

/** Spawns a server that prints where it listens, and times its spawn to its first answer. */
async function spawnToAnswer(
  args: string[],
  env: NodeJS.ProcessEnv,
  path: string,
  port: (out: string) => string | undefined,
) {
  const started = performance.now()
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  const base = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)))
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const found = port(out)
      if (found) resolve(found)
    })
  })
  const answer = await fetch(`${base}${path}`)
  await answer.text()
  const ms = performance.now() - started
  child.kill()
  if (answer.status !== 200) throw new Error(`${base}${path} answered ${answer.status}`)
  return ms
}

const entry = (dir: string) => join(dir, '.xfn/build/knative/bundle/index.mjs')
// The same hello entry as one file, its chunks (the S3 client, the CloudEvents SDK) inlined: the
// build before it split them out, so the split is measured in every run.
const oneFile = join(work, 'hello-one-file.mjs')
await build({
  entryPoints: [entry(hello)],
  outfile: oneFile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
})
const listening = (out: string) => /"listening":"([^"]+)"/.exec(out)?.[1]
const bareServer = join(root, 'bench/fixtures/cold-start/bare-server.mjs')
const barePort = (out: string) => (/^\d+\n/.test(out) ? `http://127.0.0.1:${out.trim()}` : undefined)
const quiet = { NODE_NO_WARNINGS: '1', PORT: '0' }

const cases = {
  hello: [] as number[],
  oneFile: [] as number[],
  twenty: [] as number[],
  bare: [] as number[],
}
for (let i = 0; i < runs; i++) {
  cases.bare.push(await spawnToAnswer([bareServer], {}, '/hello/ada', barePort))
  cases.hello.push(await spawnToAnswer([entry(hello)], quiet, '/hello/ada', listening))
  cases.oneFile.push(await spawnToAnswer([oneFile], quiet, '/hello/ada', listening))
  cases.twenty.push(await spawnToAnswer([entry(twenty)], quiet, '/items0/7', listening))
}

/** The local cloud: `xfn deploy` until the first answer, five times. */
const local: number[] = []
for (let i = 0; i < 5; i++) {
  const started = performance.now()
  const deployed = spawnSync(
    process.execPath,
    [cli, 'deploy', hello, '--cloud', 'local', '--port', '0', '--json'],
    {
      encoding: 'utf8',
    },
  )
  if (deployed.status !== 0) throw new Error(`xfn deploy failed: ${deployed.stderr}`)
  const { url } = JSON.parse(deployed.stdout) as { url: string }
  const answer = await fetch(`${url}/hello/ada`)
  await answer.text()
  local.push(performance.now() - started)
  spawnSync(process.execPath, [cli, 'destroy', hello, '--cloud', 'local', '--yes'], { encoding: 'utf8' })
}

const bare = median(cases.bare)
console.log(`knative cold start, spawn to first answer (median of ${runs}, Node ${process.versions.node}):`)
console.log(`  bare node:http server (baseline): ${bare.toFixed(1)} ms`)
for (const [name, times] of [
  ['examples/hello entry', cases.hello],
  ['the same, as one file', cases.oneFile],
  ['20-function app entry', cases.twenty],
] as const)
  console.log(
    `  ${name.padEnd(24)} ${median(times).toFixed(1)} ms (${(median(times) / bare).toFixed(2)}x the bare server, +${(median(times) - bare).toFixed(1)} ms)`,
  )
console.log(
  `  examples/hello on the local cloud, xfn deploy to first answer (median of 5): ${median(local).toFixed(1)} ms`,
)
