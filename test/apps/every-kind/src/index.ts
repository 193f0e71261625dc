import { app, bucket, queue } from '@xfn/core'

const orders = queue('orders', { maxAttempts: 4, visibilityTimeoutSeconds: 180 })
const receipts = bucket('receipts')

app.http(
  'createOrder',
  { method: 'POST', route: '/orders', auth: 'key', uses: [orders] },
  async (request) => {
    await orders.send(await request.json())
    return { status: 202 }
  },
)
app.queue('fulfil', { queue: orders, uses: [receipts.writeOnly] }, async (message) => {
  await receipts.put(`r/${message.id}.json`, message.text())
})
app.timer('nightly', { schedule: '0 2 * * MON-FRI' }, () => undefined)
app.timer('poll', { every: '5 minutes' }, () => undefined)
app.blob('audit', { bucket: receipts, prefix: 'r/' }, () => undefined)
