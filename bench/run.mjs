#!/usr/bin/env node
// Runs every bench/*.bench.ts: each is bundled and minified with esbuild, as a function bundle
// would be, then run in a fresh Node process. `--strict` makes a missed target fail the run.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const outDir = join(here, '.out')
mkdirSync(outDir, { recursive: true })
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
const strict = process.argv.includes('--strict')
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort()

let failed = false
for (const file of files) {
  const outfile = join(outDir, `${basename(file, '.ts')}.mjs`)
  await build({
    entryPoints: [join(here, file)],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // Played by bench code, as the Azure worker does: see adapters/azure/src/runtime/__fixtures__/host.ts.
    external: ['@azure/functions-core', 'esbuild', 'autocannon', 'playwright-core'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  })
  const run = spawnSync(process.execPath, [outfile], {
    stdio: 'inherit',
    env: { ...process.env, XFN_BENCH_STRICT: strict ? '1' : '' },
  })
  if (run.status !== 0) failed = true
}
if (failed) process.exitCode = 1
