import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { readLogs, statePaths } from '@xfn/local'
import { parseLambdaLine } from '../adapters/aws/src/observe/logs.js'
import { parseAppInsightsRow } from '../adapters/azure/src/observe/logs.js'

/**
 * Logs, against baselines measured in the same run:
 * - the Lambda log normaliser's throughput on a 100k-line sample of Lambda's formats (text START,
 *   END and REPORT, console lines, Lambda's JSON platform events, xfn's JSON lines), against the
 *   least any reader does per line (JSON.parse or a split on tabs); and the Application Insights
 *   row normaliser on 100k rows, against reading each row's fields;
 * - how soon `xfn logs --cloud local --follow` shows an invocation, against the request's own
 *   round trip (target: within a second).
 */
const lineCount = 100_000
let missed = false
const target = (label: string, met: boolean, detail: string) => {
  console.log(`  ${met ? '✓' : '✗'} ${label}: ${detail}`)
  if (!met) missed = true
}

const id = '3f2c1a90-6a8e-4e0e-9b2a-0c5d2b7f1e42'
const samples = [
  `START RequestId: ${id} Version: $LATEST`,
  `2026-11-22T10:00:00.012Z\t${id}\tINFO\tprocessing order 42`,
  JSON.stringify({
    timestamp: '2026-11-22T10:00:00.013Z',
    level: 'INFO',
    requestId: id,
    message: 'fulfilled',
    function: 'fulfil',
    fields: { sku: 'tea', attempt: 1 },
  }),
  JSON.stringify({
    time: '2026-11-22T10:00:00.020Z',
    type: 'platform.report',
    record: {
      requestId: id,
      metrics: {
        durationMs: 12.5,
        billedDurationMs: 13,
        memorySizeMB: 256,
        maxMemoryUsedMB: 80,
        initDurationMs: 171.85,
      },
      status: 'success',
    },
  }),
  `END RequestId: ${id}`,
  `REPORT RequestId: ${id}\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB\tInit Duration: 171.85 ms\t`,
]
const lines = Array.from({ length: lineCount }, (_, i) => samples[i % samples.length] as string)
const rows = Array.from({ length: lineCount }, (_, i) => ({
  TimeGenerated: '2026-11-22T10:00:00.150Z',
  Kind: i % 3 === 0 ? 'request' : 'trace',
  Category: i % 3 === 1 ? 'Function.fulfil.User' : 'Function.fulfil',
  Function: 'fulfil',
  Message: i % 3 === 1 ? (samples[2] as string) : "Executing 'Functions.fulfil' (Reason='New queue message')",
  SeverityLevel: 1,
  InvocationId: id,
  DurationMs: 81.25,
  Success: true,
  ResultCode: '0',
}))

/** The best of five runs, in ms. */
function best(run: () => void): number {
  let fastest = Number.POSITIVE_INFINITY
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    run()
    fastest = Math.min(fastest, performance.now() - started)
  }
  return fastest
}

let sink = 0
const lambda = best(() => {
  for (const line of lines) sink += parseLambdaLine('fulfil', line, 1_763_805_600_000).message.length
})
const lambdaBaseline = best(() => {
  for (const line of lines)
    sink += line.startsWith('{') ? Object.keys(JSON.parse(line)).length : line.split('\t').length
})
const insights = best(() => {
  for (const row of rows) sink += parseAppInsightsRow(row).message.length
})
const insightsBaseline = best(() => {
  for (const row of rows)
    sink +=
      new Date(row.TimeGenerated).getTime() > 0 && row.Message.startsWith('{')
        ? JSON.parse(row.Message).level.length
        : 1
})
const perSecond = (ms: number) => `${((lineCount / ms) * 1000).toFixed(0).padStart(9)} lines/s`
console.log(`\nLog normalisers, ${lineCount.toLocaleString('en')} lines (best of 5)`)
console.log(
  `  Lambda lines (parseLambdaLine)          ${perSecond(lambda)}  ${(lambda / lambdaBaseline).toFixed(2)}x the baseline`,
)
console.log(`  baseline: JSON.parse or split on tabs   ${perSecond(lambdaBaseline)}`)
console.log(
  `  App Insights rows (parseAppInsightsRow) ${perSecond(insights)}  ${(insights / insightsBaseline).toFixed(2)}x the baseline`,
)
console.log(`  baseline: read the row's fields         ${perSecond(insightsBaseline)}`)
if (sink < 0) console.log(sink)

// Follow latency on the local cloud.
const root = process.cwd()
const cli = join(root, 'cli/bin/run.js')
const project = join(root, 'bench/fixtures/local-app')
const deployed = spawnSync(process.execPath, [cli, 'deploy', project, '--port', '0', '--json'], {
  encoding: 'utf8',
})
if (deployed.status !== 0) throw new Error(`deploy failed: ${deployed.stderr}`)
const { url } = JSON.parse(deployed.stdout) as { url: string }
const follow = new AbortController()
const seen: { time: number; function: string }[] = []
const reading = (async () => {
  for await (const event of readLogs(statePaths(project), { follow: follow.signal }))
    seen.push({ time: performance.now(), function: event.function })
})()
const shown: number[] = []
const roundTrips: number[] = []
try {
  await fetch(`${url}/logged/0`) // warm up
  for (let i = 1; i <= 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300))
    const before = seen.length
    // The line of this request, not one still arriving from the last.
    const started = performance.now()
    await (await fetch(`${url}/logged/${i}`)).arrayBuffer()
    roundTrips.push(performance.now() - started)
    const deadline = started + 5000
    while (seen.length === before && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    const first = seen[before]
    shown.push(first ? first.time - started : Number.POSITIVE_INFINITY)
  }
} finally {
  follow.abort()
  await reading
  spawnSync(process.execPath, [cli, 'destroy', project, '--yes'], { encoding: 'utf8' })
}
const sorted = (values: number[]) => [...values].sort((a, b) => a - b)
const at = (values: number[], q: number) =>
  sorted(values)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? 0
console.log('\nxfn logs --cloud local --follow: from a request to its first log event, 20 requests')
console.log(
  `  shown after       median ${at(shown, 0.5).toFixed(0)} ms, p95 ${at(shown, 0.95).toFixed(0)} ms`,
)
console.log(
  `  request alone     median ${at(roundTrips, 0.5).toFixed(1)} ms, p95 ${at(roundTrips, 0.95).toFixed(1)} ms  baseline`,
)
target('follow latency', at(shown, 0.95) < 1000, `p95 ${at(shown, 0.95).toFixed(0)} ms (target < 1000 ms)`)
if (missed && process.env.XFN_BENCH_STRICT) process.exitCode = 1
