import { createHmac, timingSafeEqual } from 'node:crypto'
import { app, bucket, queue, secret, topic } from '@xfn/core'

interface Order {
  id: string
  sku: string
  quantity: number
}

/** Orders wait here for fulfilment; one that fails three times goes to the dead-letter queue. */
const orders = queue('orders', { maxAttempts: 3, visibilityTimeoutSeconds: 60 })
const receipts = bucket('receipts')
/**
 * Every fulfilled order is announced here, once; each subscription gets its own copy: the
 * customer is notified of every order, the warehouse only of bulk ones (its `size` attribute).
 */
const fulfilled = topic('order-fulfilled')
/** The key the payment provider signs its webhooks with: set it with `xfn secret set payment-webhook-key`. */
const webhookKey = secret('payment-webhook-key')

app.http(
  'createOrder',
  { method: 'POST', route: '/orders', auth: 'key', uses: [orders] },
  async (request) => {
    let body: Partial<Order>
    try {
      body = (await request.json()) as Partial<Order>
    } catch {
      return { status: 400, json: { error: 'the body must be JSON, such as {"sku":"tea","quantity":2}' } }
    }
    if (typeof body.sku !== 'string' || body.sku === '')
      return { status: 400, json: { error: 'sku must be a non-empty string' } }
    const quantity = body.quantity ?? 1
    if (!Number.isInteger(quantity) || quantity < 1)
      return { status: 400, json: { error: 'quantity must be a whole number of 1 or more' } }
    const order: Order = { id: crypto.randomUUID(), sku: body.sku, quantity }
    await orders.send(order)
    return {
      status: 202,
      headers: { location: `/orders/${order.id}` },
      json: { id: order.id, status: 'accepted' },
    }
  },
)

app.http('getOrder', { route: '/orders/{id}', uses: [receipts.readOnly] }, async (request) => {
  const receipt = await receipts.get(`receipts/${request.params.id}.json`)
  if (!receipt) return { status: 404, json: { error: 'no receipt for this order yet' } }
  return { headers: { 'content-type': 'application/json' }, body: receipt.text() }
})

app.queue(
  'fulfil',
  { queue: orders, batchSize: 5, timeoutSeconds: 10, uses: [receipts.writeOnly, fulfilled] },
  async (message, context) => {
    const order = message.json<Order>()
    // A poison order fails every time, so after maxAttempts it is dead-lettered.
    if (order.sku === 'poison') throw new Error(`order ${order.id} cannot be fulfilled`)
    // CURRENCY is a setting (env in xfn.config.ts), per stage.
    const receipt = {
      ...order,
      currency: process.env.CURRENCY ?? 'EUR',
      fulfilledAt: new Date().toISOString(),
      attempt: message.attempt,
    }
    await receipts.put(`receipts/${order.id}.json`, JSON.stringify(receipt), {
      contentType: 'application/json',
    })
    context.log.info('order fulfilled', { id: order.id, sku: order.sku })
    await fulfilled.publish(receipt, { attributes: { size: order.quantity >= 10 ? 'bulk' : 'single' } })
  },
)

/**
 * The payment provider's webhook: accepted only when its x-signature header is the HMAC-SHA256 of
 * the body with the shared key; records the payment beside the receipt.
 */
app.http(
  'paymentWebhook',
  { method: 'POST', route: '/webhooks/payment', uses: [webhookKey, receipts.writeOnly] },
  async (request, context) => {
    const body = await request.text()
    const expected = createHmac('sha256', await webhookKey.value())
      .update(body)
      .digest()
    const given = Buffer.from(request.headers.get('x-signature') ?? '', 'hex')
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { status: 401, json: { error: 'the signature does not match' } }
    const payment = JSON.parse(body) as { orderId?: unknown }
    if (typeof payment.orderId !== 'string')
      return { status: 400, json: { error: 'orderId must be a string' } }
    await receipts.put(`payments/${payment.orderId}.json`, body, { contentType: 'application/json' })
    context.log.info('payment recorded', { orderId: payment.orderId })
    return { status: 204 }
  },
)

app.topic('notify', { topic: fulfilled }, (message, context) => {
  const receipt = message.json<Order>()
  context.log.info('customer notified', { id: receipt.id })
})

app.topic('restock', { topic: fulfilled, filter: { size: ['bulk'] } }, (message, context) => {
  const receipt = message.json<Order>()
  context.log.info('bulk order to restock', { sku: receipt.sku, quantity: receipt.quantity })
})

app.blob('audit', { bucket: receipts, prefix: 'receipts/', suffix: '.json' }, (event, context) => {
  context.log.info('receipt written', { key: event.key, size: event.size })
})

app.timer('nightly', { schedule: '0 2 * * *', uses: [receipts] }, async (tick, context) => {
  let count = 0
  for await (const _receipt of receipts.list({ prefix: 'receipts/' })) count++
  const day = tick.scheduledAt.toISOString().slice(0, 10)
  await receipts.put(`summaries/${day}.json`, JSON.stringify({ day, receipts: count }), {
    contentType: 'application/json',
  })
  context.log.info('nightly summary', { day, receipts: count })
})
