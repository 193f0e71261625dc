import { createHmac } from 'node:crypto'
import { app, secret } from '@xfn/core'

/** Signs a webhook's body with a key kept as a secret; the key itself is never logged or answered. */
const signingKey = secret('webhook-signing-key')

app.http('sign', { route: '/sign', method: 'POST', uses: [signingKey] }, async (request, context) => {
  const body = await request.text()
  const signature = createHmac('sha256', await signingKey.value())
    .update(body)
    .digest('hex')
  context.log.info('signed a webhook', { bytes: Buffer.byteLength(body) })
  return { json: { signature } }
})
