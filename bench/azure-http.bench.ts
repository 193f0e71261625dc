import { HttpRequest, InvocationContext } from '@azure/functions'
import { registerAzureFunctions } from '@xfn/azure/runtime'
import { createApp } from '@xfn/core'
import { registration } from '../adapters/azure/src/runtime/__fixtures__/host.js'
import { compare } from './lib/compare.js'
import { type Order, orderBody, total } from './lib/order.js'

const body = orderBody
const headers = {
  accept: 'application/json',
  'accept-encoding': 'gzip, deflate, br',
  'content-type': 'application/json',
  host: 'orders-dev-1a2b3c.azurewebsites.net',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  'x-forwarded-for': '192.0.2.10',
  'x-forwarded-proto': 'https',
  'x-arr-ssl': 'true',
  'x-request-id': 'a1b2c3d4',
}
const url = 'https://orders-dev-1a2b3c.azurewebsites.net/items/42'

/** What a hand-written @azure/functions v4 handler does: read the JSON body, answer JSON. */
async function nativeHandler(request: HttpRequest, _context: InvocationContext) {
  const order = (await request.json()) as Order
  return { jsonBody: { id: request.params.id, total: total(order) } }
}

const made = createApp()
made.app.http('plain', { route: '/items/{id}', method: 'POST' }, async (request) => {
  const order = (await request.json()) as Order
  return { json: { id: request.params.id, total: total(order) } }
})
registerAzureFunctions({ registry: made.registry })
const xfnHandler = registration('plain').handler

// Both handlers get what the host gives them: a new request and context per invocation.
const request = () =>
  new HttpRequest({ method: 'POST', url, headers, body: { string: body }, params: { id: '42' } })
const context = () =>
  new InvocationContext({ invocationId: 'inv', functionName: 'plain', logHandler: () => undefined })

await compare(
  'POST /items/{id} on Azure (~200-byte JSON body, 10 headers; the host objects built in both)',
  { name: 'hand-written @azure/functions handler', fn: () => nativeHandler(request(), context()) },
  [{ name: 'xfn, plain result', fn: () => xfnHandler(request(), context()) }],
  [{ task: 'xfn, plain result', atMost: 1.3 }],
)
