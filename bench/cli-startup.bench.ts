import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

/**
 * CLI start-up: the median wall time of `xfn --help` and `xfn check examples/hello`, against
 * `node -e 0` measured in the same run (interleaved, so load on the machine hits all alike).
 * Targets: `xfn --help` at most 200 ms and `xfn check` at most 300 ms on this machine.
 */
const root = process.cwd()
const cli = join(root, 'cli/bin/run.js')
const runs = 15

const commands: Record<string, string[]> = {
  'node -e 0': ['-e', '0'],
  'xfn --help': [cli, '--help'],
  'xfn check examples/hello': [cli, 'check', join(root, 'examples/hello')],
}
const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]))
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(commands)) {
    const started = performance.now()
    const result = spawnSync(process.execPath, args, { stdio: 'ignore' })
    if (result.status !== 0) throw new Error(`${name} failed`)
    times[name]?.push(performance.now() - started)
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
const baseline = median(times['node -e 0'] ?? [])
console.log(`\nCLI start-up, median of ${runs} runs`)
for (const name of Object.keys(commands)) {
  const ms = median(times[name] ?? [])
  console.log(
    `  ${name.padEnd(26)} ${`${ms.toFixed(0)} ms`.padStart(7)}  ${(ms / baseline).toFixed(1)}× node -e 0`,
  )
}
const targets: [string, number][] = [
  ['xfn --help', 200],
  ['xfn check examples/hello', 300],
]
let allMet = true
for (const [name, limit] of targets) {
  const ms = median(times[name] ?? [])
  const met = ms <= limit
  allMet &&= met
  console.log(`  ${met ? '✓' : '✗'} target: ${name} at most ${limit} ms (${ms.toFixed(0)} ms)`)
}
if (!allMet && process.env.XFN_BENCH_STRICT) process.exitCode = 1
