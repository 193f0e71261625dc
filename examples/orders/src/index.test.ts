import { createHmac } from 'node:crypto'
import { createTestHarness } from '@xfn/core/testing'
import { describe, expect, it } from 'vitest'
import './index.js'

describe('the orders example, in-process', () => {
  const t = createTestHarness({ secrets: { 'payment-webhook-key': 'test-key' } })

  it('accepts an order, fulfils it from the queue, and serves the receipt', async () => {
    const accepted = await t.fetch('/orders', {
      method: 'POST',
      body: JSON.stringify({ sku: 'tea', quantity: 2 }),
    })
    expect(accepted.status).toBe(202)
    const { id } = (await accepted.json()) as { id: string }
    const [sent] = t.sent('orders')
    expect(JSON.parse(sent?.body ?? '')).toEqual({ id, sku: 'tea', quantity: 2 })
    await t.queue('fulfil', JSON.parse(sent?.body ?? ''))
    const receipt = await t.fetch(`/orders/${id}`)
    expect(await receipt.json()).toMatchObject({ id, sku: 'tea', quantity: 2, currency: 'EUR', attempt: 1 })

    // The fulfilled order is announced once, with its size, for every subscription.
    const [announced] = t.published('order-fulfilled')
    expect(announced?.attributes).toEqual({ size: 'single' })
    await t.topic('notify', announced?.body ?? '', { attributes: announced?.attributes ?? {} })
    expect(t.logs.at(-1)).toMatchObject({ message: 'customer notified', fields: { id } })
  })

  it('records a payment whose webhook is signed with the key, and refuses one that is not', async () => {
    const body = JSON.stringify({ orderId: 'o1', amount: 5 })
    const sign = (key: string) => createHmac('sha256', key).update(body).digest('hex')
    const paid = await t.fetch('/webhooks/payment', {
      method: 'POST',
      headers: { 'x-signature': sign('test-key') },
      body,
    })
    expect(paid.status).toBe(204)
    expect(t.logs.at(-1)).toMatchObject({ message: 'payment recorded', fields: { orderId: 'o1' } })
    const forged = await t.fetch('/webhooks/payment', {
      method: 'POST',
      headers: { 'x-signature': sign('another-key') },
      body,
    })
    expect(forged.status).toBe(401)
  })

  it('tells the warehouse of bulk orders only', async () => {
    await t.queue('fulfil', { id: 'b1', sku: 'tea', quantity: 12 })
    const bulk = t.published('order-fulfilled').find((m) => m.attributes.size === 'bulk')
    await t.topic('restock', bulk?.body ?? '', { attributes: bulk?.attributes ?? {} })
    expect(t.logs.at(-1)).toMatchObject({
      message: 'bulk order to restock',
      fields: { sku: 'tea', quantity: 12 },
    })
  })

  it('rejects a bad order with the reason', async () => {
    const response = await t.fetch('/orders', {
      method: 'POST',
      body: JSON.stringify({ quantity: 0, sku: 'tea' }),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'quantity must be a whole number of 1 or more' })
  })

  it('fails a poison order, so the queue retries and then dead-letters it', async () => {
    await expect(t.queue('fulfil', { id: 'p1', sku: 'poison', quantity: 1 })).rejects.toThrow(
      'order p1 cannot be fulfilled',
    )
  })

  it('writes a nightly summary of the receipts', async () => {
    await t.timer('nightly', { scheduledAt: new Date('2027-01-02T02:00:00Z') })
    expect(t.logs.find((record) => record.message === 'nightly summary')?.fields).toEqual({
      day: '2027-01-02',
      receipts: 2,
    })
  })
})
