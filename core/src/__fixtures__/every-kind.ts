import type { createApp } from '../app.js'

/** An app with one function of each kind, registered on the given app. */
export function registerEveryKind({ app, queue, bucket }: ReturnType<typeof createApp>) {
  const orders = queue('orders', { maxAttempts: 4, visibilityTimeoutSeconds: 180 })
  const receipts = bucket('receipts')

  app.http(
    'createOrder',
    { method: 'POST', route: '/orders', auth: 'key', uses: [orders] },
    async (request) => {
      const order = (await request.json()) as { sku?: string }
      if (!order.sku) return { status: 400, json: { error: 'sku is required' } }
      await orders.send(order)
      return { status: 202, json: { accepted: order.sku } }
    },
  )
  app.http('getOrder', { route: '/orders/{id}', uses: [receipts.readOnly] }, async (request) => {
    const receipt = await receipts.get(`r/${request.params.id}.json`)
    return receipt
      ? new Response(receipt.body, { headers: { 'content-type': 'application/json' } })
      : { status: 404 }
  })
  app.queue(
    'fulfil',
    { queue: orders, batchSize: 5, uses: [receipts.writeOnly] },
    async (message, context) => {
      const order = message.json<{ sku: string }>()
      if (order.sku === 'poison') throw new Error('cannot fulfil a poison order')
      await receipts.put(`r/${order.sku}.json`, JSON.stringify({ sku: order.sku, attempt: message.attempt }))
      context.log.info('fulfilled', { sku: order.sku })
    },
  )
  app.timer('nightly', { schedule: '0 2 * * *' }, async (_tick, context) => {
    context.log.info('summary')
  })
  app.blob('audit', { bucket: receipts, prefix: 'r/', suffix: '.json' }, async (event, context) => {
    context.log.info('receipt written', { key: event.key })
  })
}
