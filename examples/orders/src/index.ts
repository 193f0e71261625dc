import { app, bucket, queue, topic } from '@xfn/core'

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
    const receipt = { ...order, fulfilledAt: new Date().toISOString(), attempt: message.attempt }
    await receipts.put(`receipts/${order.id}.json`, JSON.stringify(receipt), {
      contentType: 'application/json',
    })
    context.log.info('order fulfilled', { id: order.id, sku: order.sku })
    await fulfilled.publish(receipt, { attributes: { size: order.quantity >= 10 ? 'bulk' : 'single' } })
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
