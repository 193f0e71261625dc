import { spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { bin, type Deployed, eventually, logs, xfn, xfnAsync } from './helpers.js'

/*
 * The README's quick start on examples/orders, on a copy: set the webhook key from standard
 * input, deploy to the local cloud, place an order, and see it fulfilled with the stage's
 * setting, announced on the topic, and paid through a webhook signed with the secret.
 */
describe('the orders example on the local cloud, as the quick start runs it', () => {
  const project = fileURLToPath(new URL(`../.tmp/orders-example-${process.pid}`, import.meta.url))
  rmSync(project, { recursive: true, force: true })
  mkdirSync(project, { recursive: true })
  cpSync(fileURLToPath(new URL('../../examples/orders', import.meta.url)), project, {
    recursive: true,
    filter: (source) => !source.includes('.xfn'),
  })
  afterAll(() => {
    xfn('destroy', project, '--yes')
    rmSync(project, { recursive: true, force: true })
  })

  it('takes an order, fulfils it, notifies, and records a signed payment', async () => {
    const key = 'local-webhook-key'
    const set = spawnSync(
      process.execPath,
      [bin, 'secret', 'set', 'payment-webhook-key', '--project', project],
      {
        input: key,
        encoding: 'utf8',
      },
    )
    expect(set.status, set.stderr).toBe(0)
    const result = await xfnAsync('deploy', project, '--port', '0', '--json')
    expect(result.code, result.stderr).toBe(0)
    const deployed = JSON.parse(result.stdout) as Deployed
    const placed = await fetch(`${deployed.url}/orders`, {
      method: 'POST',
      headers: { 'x-api-key': deployed.apiKey },
      body: JSON.stringify({ sku: 'tea', quantity: 12 }),
    })
    expect(placed.status).toBe(202)
    const { id } = (await placed.json()) as { id: string }
    const receipt = await eventually(async () => {
      const response = await fetch(`${deployed.url}/orders/${id}`)
      return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined
    }, 15_000)
    expect(receipt).toMatchObject({ id, sku: 'tea', quantity: 12, currency: 'EUR' })
    await eventually(
      () => {
        const messages = logs(project).map((l) => l.message)
        return messages.includes('customer notified') && messages.includes('bulk order to restock')
      },
      15_000,
      'both subscriptions',
    )

    const body = JSON.stringify({ orderId: id })
    const signature = createHmac('sha256', key).update(body).digest('hex')
    const webhook = (signed: string) =>
      fetch(`${deployed.url}/webhooks/payment`, { method: 'POST', headers: { 'x-signature': signed }, body })
    expect((await webhook(signature)).status).toBe(204)
    expect((await webhook(createHmac('sha256', 'forged').update(body).digest('hex'))).status).toBe(401)
  })
})
