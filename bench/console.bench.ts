import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

/**
 * `xfn console` on the local cloud running examples/orders, in headless Chromium: the time from
 * starting `xfn console` to the functions page painted (the browser already open), and how long an
 * order's log line (`order fulfilled`, after the queue hop) takes to appear in the page after the
 * request, p50 and p95 over 20 orders. The baseline, in the same run, is the same line reaching
 * the terminal through `xfn logs --follow`. Target: p95 under 1 s in the page.
 */
const chromiumPath = process.env.XFN_CHROMIUM ?? '/usr/bin/chromium'
const root = process.cwd()
const bin = join(root, 'cli/bin/run.js')
const orders = 20

if (!existsSync(chromiumPath)) {
  console.log(`\nxfn console: skipped, no Chromium at ${chromiumPath} (apt-get install chromium)`)
  process.exit(0)
}

// Inside the repository, where the app's @xfn/core resolves, as in the tests' copies.
const project = mkdtempSync(join(root, 'bench/.out/console-app-'))
cpSync(join(root, 'examples/orders'), project, {
  recursive: true,
  filter: (source) => !source.includes('.xfn'),
})
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input: 'bench-key' })
run('secret', 'set', 'payment-webhook-key', '--project', project)
const deploy = run('deploy', project, '--port', '0', '--json')
if (deploy.status !== 0) throw new Error(`xfn deploy failed: ${deploy.stderr}`)
const deployed = JSON.parse(deploy.stdout) as { url: string; apiKey: string }

/** Spawns an xfn command and calls `onLine` with each line of its standard output. */
function follow(args: string[], onLine: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'ignore'] })
  let rest = ''
  child.stdout?.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  })
  return child
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] })
const page = await browser.newPage()
let consoleUrl = ''
const started = performance.now()
const console_ = follow(['console', project], (line) => {
  consoleUrl ||= /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(line)?.[1] ?? ''
})
while (!consoleUrl) await new Promise((resolve) => setTimeout(resolve, 5))
await page.goto(consoleUrl)
await page.locator('tr[data-function]').first().waitFor()
const firstPaintMs = performance.now() - started
await page.getByRole('tab', { name: 'logs', exact: true }).click()

let terminalSeen = 0
const terminal = follow(['logs', '--project', project, '--follow', '--since', '1s'], (line) => {
  if (line.includes('order fulfilled')) terminalSeen++
})
await new Promise((resolve) => setTimeout(resolve, 1500))

const fulfilledInPage = () =>
  page.locator('[data-testid="logs"] > div', { hasText: 'order fulfilled' }).count()
const pageMs: number[] = []
const terminalMs: number[] = []
for (let i = 0; i < orders; i++) {
  const inPage = await fulfilledInPage()
  const inTerminal = terminalSeen
  const sent = performance.now()
  await fetch(`${deployed.url}/orders`, {
    method: 'POST',
    headers: { 'x-api-key': deployed.apiKey },
    body: JSON.stringify({ sku: 'tea', quantity: 1 }),
  })
  let pageAt = 0
  let terminalAt = 0
  while (!pageAt || !terminalAt) {
    if (!pageAt && (await fulfilledInPage()) > inPage) pageAt = performance.now()
    if (!terminalAt && terminalSeen > inTerminal) terminalAt = performance.now()
    if (performance.now() - sent > 10_000) break
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  pageMs.push((pageAt || Number.POSITIVE_INFINITY) - sent)
  terminalMs.push((terminalAt || Number.POSITIVE_INFINITY) - sent)
}

terminal.kill()
console_.kill('SIGINT')
await browser.close()
run('destroy', project, '--yes')
rmSync(project, { recursive: true, force: true })

const p95 = percentile(pageMs, 95)
console.log(`\nxfn console on the local cloud (examples/orders), headless Chromium, ${orders} orders`)
console.log(`  first paint of the functions page after xfn console starts: ${firstPaintMs.toFixed(0)} ms`)
console.log(`  ${'log line after the request'.padEnd(34)} ${'p50'.padStart(8)} ${'p95'.padStart(8)}`)
console.log(
  `  ${'in the console page'.padEnd(34)} ${`${percentile(pageMs, 50).toFixed(0)} ms`.padStart(8)} ${`${p95.toFixed(0)} ms`.padStart(8)}`,
)
console.log(
  `  ${'xfn logs --follow (baseline)'.padEnd(34)} ${`${percentile(terminalMs, 50).toFixed(0)} ms`.padStart(8)} ${`${percentile(terminalMs, 95).toFixed(0)} ms`.padStart(8)}`,
)
const met = p95 < 1000
console.log(`  ${met ? '✓' : '✗'} target: p95 under 1 s in the page (${p95.toFixed(0)} ms)`)
if (!met && process.env.XFN_BENCH_STRICT) process.exitCode = 1
