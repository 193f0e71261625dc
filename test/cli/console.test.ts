import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bin, type Deployed, eventually, xfn, xfnAsync } from './helpers.js'

/*
 * `xfn console` in a real browser: headless Chromium (Debian's package, which .ci/run installs)
 * driven by playwright-core, against a local cloud running a copy of examples/orders. Screenshots
 * of each page go to test/.tmp/console-screenshots/; the page must log no error.
 */

const chromiumPath = process.env.XFN_CHROMIUM ?? '/usr/bin/chromium'
const haveBrowser = existsSync(chromiumPath)
if (!haveBrowser && process.env.XFN_REQUIRE_BROWSER)
  throw new Error(`No Chromium at ${chromiumPath}: install Debian's chromium package, or set XFN_CHROMIUM.`)
if (!haveBrowser)
  console.warn(
    `The console's browser tests are skipped: no Chromium at ${chromiumPath} (apt-get install chromium).`,
  )

const screenshots = fileURLToPath(new URL('../.tmp/console-screenshots', import.meta.url))

/** Starts `xfn console` and returns its URL once printed. */
async function startConsole(project: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [bin, 'console', project], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const url = await eventually(
    () => /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output)?.[1],
    15_000,
    'the console URL',
  )
  return { url, child }
}

describe.skipIf(!haveBrowser)('xfn console in a browser, on the orders example', () => {
  const project = fileURLToPath(new URL(`../.tmp/console-${process.pid}`, import.meta.url))
  let deployed: Deployed
  let console_: { url: string; child: ChildProcess }
  let browser: Browser
  let page: Page
  const errors: string[] = []

  beforeAll(async () => {
    rmSync(project, { recursive: true, force: true })
    mkdirSync(project, { recursive: true })
    cpSync(fileURLToPath(new URL('../../examples/orders', import.meta.url)), project, {
      recursive: true,
      filter: (source) => !source.includes('.xfn'),
    })
    // A poison order is retried after the queue's visibility timeout: a second here, not a minute.
    const source = `${project}/src/index.ts`
    writeFileSync(
      source,
      readFileSync(source, 'utf8').replace('visibilityTimeoutSeconds: 60', 'visibilityTimeoutSeconds: 1'),
    )
    const set = spawnSync(
      process.execPath,
      [bin, 'secret', 'set', 'payment-webhook-key', '--project', project],
      {
        input: 'local-webhook-key',
        encoding: 'utf8',
      },
    )
    expect(set.status, set.stderr).toBe(0)
    const result = await xfnAsync('deploy', project, '--port', '0', '--json')
    expect(result.code, result.stderr).toBe(0)
    deployed = JSON.parse(result.stdout) as Deployed
    console_ = await startConsole(project)
    mkdirSync(screenshots, { recursive: true })
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] })
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
    page.on('pageerror', (error) => errors.push(error.message))
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    console_?.child.kill('SIGINT')
    xfn('destroy', project, '--yes')
    rmSync(project, { recursive: true, force: true })
  })

  const tab = (name: string) => page.getByRole('tab', { name, exact: true }).click()
  const placeOrder = (sku: string, quantity: number) =>
    fetch(`${deployed.url}/orders`, {
      method: 'POST',
      headers: { 'x-api-key': deployed.apiKey },
      body: JSON.stringify({ sku, quantity }),
    })

  it('shows the functions with their triggers and next fire times', async () => {
    await page.goto(console_.url)
    await page.locator('tr[data-function="createOrder"]').waitFor()
    const rows = await page
      .locator('tr[data-function]')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-function')))
    expect(rows).toEqual(
      expect.arrayContaining(['createOrder', 'getOrder', 'fulfil', 'notify', 'restock', 'audit', 'nightly']),
    )
    await expect
      .poll(() => page.locator('tr[data-function="nightly"]').innerText())
      .toContain('02:00:00.000Z UTC')
    await page.screenshot({ path: `${screenshots}/functions.png`, fullPage: true })
  })

  it("streams an order's invocations into the log page as they happen", async () => {
    await tab('logs')
    expect((await placeOrder('tea', 12)).status).toBe(202)
    await page.getByText('customer notified').first().waitFor({ timeout: 20_000 })
    await page.getByText('bulk order to restock').first().waitFor({ timeout: 20_000 })
    // Filtering by function keeps only its lines.
    await page.getByLabel('function', { exact: true }).selectOption('notify')
    const shown = await page.locator('[data-testid="logs"] > div').allInnerTexts()
    expect(shown.length).toBeGreaterThan(0)
    expect(shown.every((line) => line.includes('notify'))).toBe(true)
    // An invocation's id shows its lines alone, with its duration and outcome.
    await page
      .locator('[data-testid="logs"] > div', { hasText: 'customer notified' })
      .first()
      .getByRole('button')
      .click()
    await expect
      .poll(() => page.locator('[data-testid="invocation"]').innerText())
      .toMatch(/^notify invocation [\w-]+: [\d.]+ ms, succeeded \(2 lines\) Input event$/)
    // Locally, the event it was given: the topic message, with its attributes.
    await page.getByRole('button', { name: 'Input event' }).click()
    const event = JSON.parse(await page.locator('[data-testid="event"]').innerText()) as {
      kind: string
      message: { topic: string; body: string; attributes: Record<string, string> }
    }
    expect(event).toMatchObject({
      kind: 'topic',
      message: { topic: 'order-fulfilled', attributes: { size: 'bulk' } },
    })
    expect(JSON.parse(event.message.body)).toMatchObject({ sku: 'tea', quantity: 12 })
    await page.getByLabel('invocation').fill('')
    await page.getByLabel('function', { exact: true }).selectOption('')
    await page.screenshot({ path: `${screenshots}/logs.png`, fullPage: true })
  })

  it('runs a timer now from its row, and shows its log line', async () => {
    await tab('functions')
    await page.locator('tr[data-function="nightly"]').getByRole('button', { name: 'Run now' }).click()
    // The console turns to the logs, where the run's line arrives.
    await page.getByText('nightly summary').first().waitFor({ timeout: 20_000 })
  })

  it('lists a dead-lettered poison order and re-drives it from the page', async () => {
    expect((await placeOrder('poison', 1)).status).toBe(202)
    await tab('queues')
    const orders = page.locator('tr[data-queue="orders"]')
    await orders.waitFor()
    await eventually(
      async () => {
        await orders.getByRole('button', { name: 'Dead letters' }).click()
        return (await page.getByRole('status').innerText()).startsWith('1 dead letter(s)') || undefined
      },
      30_000,
      'the poison order in the dead-letter queue',
    )
    await expect.poll(() => page.locator('[data-testid="dead-letters"]').innerText()).toContain('poison')
    await page.screenshot({ path: `${screenshots}/queues.png`, fullPage: true })
    await orders.getByRole('button', { name: 'Re-drive' }).click()
    await expect.poll(() => page.getByRole('status').innerText()).toBe('Moved 1 message(s) back to orders.')
  })

  it('uploads a file into a bucket, which runs the blob function, and deletes it', async () => {
    await tab('buckets')
    await page.getByLabel('key', { exact: true }).fill('receipts/from-console.json')
    await page.getByLabel('upload').setInputFiles({
      name: 'receipt.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"id":"console"}'),
    })
    await page.locator('tr[data-key="receipts/from-console.json"]').waitFor()
    await page.screenshot({ path: `${screenshots}/buckets.png`, fullPage: true })
    await tab('logs')
    await page.getByLabel('text').fill('receipt written')
    await eventually(
      async () =>
        (await page.locator('[data-testid="logs"]').innerText()).includes('receipt written') || undefined,
      20_000,
      "the blob function's log line",
    )
    await tab('buckets')
    await page
      .locator('tr[data-key="receipts/from-console.json"]')
      .getByRole('button', { name: 'Delete' })
      .click()
    await page.locator('tr[data-key="receipts/from-console.json"]').waitFor({ state: 'detached' })
  })

  it('invokes a function from its form and shows the answer', async () => {
    await tab('invoke')
    await page.getByLabel('function to invoke').selectOption('getOrder')
    await page.getByLabel('path').fill('/orders/none')
    await page.getByRole('button', { name: 'Invoke' }).click()
    await expect.poll(() => page.locator('[data-testid="answer"]').innerText()).toContain('404')
    await page.screenshot({ path: `${screenshots}/invoke.png`, fullPage: true })
  })

  it('logs no error in the page', () => {
    expect(errors).toEqual([])
  })

  it('answers nothing without the token, and changes nothing without its header', async () => {
    const origin = new URL(console_.url).origin
    expect((await fetch(`${origin}/api/overview`)).status).toBe(401)
    expect((await fetch(`${origin}/?token=wrong`)).status).toBe(401)
    const entered = await fetch(console_.url, { redirect: 'manual' })
    expect(entered.status).toBe(303)
    const cookie = (entered.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    expect(entered.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/)
    expect((await fetch(`${origin}/api/overview`, { headers: { cookie } })).status).toBe(200)
    // A page of another site could send the cookie, but not the header only the console knows.
    expect(
      (await fetch(`${origin}/api/queues/orders/redrive`, { method: 'POST', headers: { cookie } })).status,
    ).toBe(403)
  })
})
