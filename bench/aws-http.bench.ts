import { lambdaHandler } from '@xfn/aws/runtime'
import { createApp } from '@xfn/core'
import { Hono } from 'hono'
import { handle } from 'hono/aws-lambda'
import { compare } from './lib/compare.js'
import { type Order, orderBody, total } from './lib/order.js'

/** A POST /items/{id} with a ~200-byte JSON body and 10 headers, as API Gateway sends it. */
const body = orderBody
const headerList: [string, string][] = [
  ['accept', 'application/json'],
  ['accept-encoding', 'gzip, deflate, br'],
  ['content-type', 'application/json'],
  ['host', 'abc123.execute-api.eu-west-1.amazonaws.com'],
  ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64)'],
  ['x-amzn-trace-id', 'Root=1-65f1f2a3-0123456789abcdef01234567'],
  ['x-forwarded-for', '192.0.2.10'],
  ['x-forwarded-port', '443'],
  ['x-forwarded-proto', 'https'],
  ['x-request-id', 'a1b2c3d4'],
]
const v2Event = {
  version: '2.0',
  routeKey: 'POST /items/{id}',
  rawPath: '/items/42',
  rawQueryString: '',
  headers: Object.fromEntries(headerList),
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
    http: {
      method: 'POST',
      path: '/items/42',
      protocol: 'HTTP/1.1',
      sourceIp: '192.0.2.10',
      userAgent: 'Mozilla/5.0',
    },
    requestId: 'req',
    routeKey: 'POST /items/{id}',
    stage: '$default',
    time: '22/Nov/2026:19:00:00 +0000',
    timeEpoch: 1795374000000,
  },
  pathParameters: { id: '42' },
  body,
  isBase64Encoded: false,
}
const v1Event = {
  resource: '/items/{id}',
  path: '/items/42',
  httpMethod: 'POST',
  headers: Object.fromEntries(headerList),
  multiValueHeaders: Object.fromEntries(headerList.map(([n, v]) => [n, [v]])),
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: { id: '42' },
  stageVariables: null,
  requestContext: {
    accountId: '123456789012',
    apiId: 'abc123',
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
    httpMethod: 'POST',
    path: '/prod/items/42',
    requestId: 'req',
    resourcePath: '/items/{id}',
    stage: 'prod',
  },
  body,
  isBase64Encoded: false,
}
const lambdaContext = {
  awsRequestId: 'req',
  functionName: 'bench',
  getRemainingTimeInMillis: () => 3000,
  callbackWaitsForEmptyEventLoop: true,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bench',
  memoryLimitInMB: '256',
  logGroupName: '/aws/lambda/bench',
  logStreamName: 'stream',
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
}

/** What a hand-written Lambda handler does: parse the body, answer JSON. */
async function nativeHandler(event: { body: string; pathParameters: { id: string } }) {
  const order = JSON.parse(event.body) as Order
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: event.pathParameters.id, total: total(order) }),
    isBase64Encoded: false,
  }
}

const made = createApp()
made.app.http('plain', { route: '/items/{id}', method: 'POST' }, async (request) => {
  const order = (await request.json()) as Order
  return { json: { id: request.params.id, total: total(order) } }
})
made.app.http('response', { route: '/items/{id}', method: 'PUT' }, async (request) => {
  const order = (await request.json()) as Order
  return Response.json({ id: request.params.id, total: total(order) })
})
const xfnPlain = lambdaHandler('plain', { registry: made.registry, write: () => undefined })
const xfnResponse = lambdaHandler('response', { registry: made.registry, write: () => undefined })

const hono = new Hono()
hono.post('/items/:id', async (c) => {
  const order = (await c.req.json()) as Order
  return c.json({ id: c.req.param('id'), total: total(order) })
})
const honoHandler = handle(hono)

const putV2 = {
  ...v2Event,
  requestContext: { ...v2Event.requestContext, http: { ...v2Event.requestContext.http, method: 'PUT' } },
}
const putV1 = { ...v1Event, httpMethod: 'PUT' }

for (const [format, event, putEvent] of [
  ['v2', v2Event, putV2],
  ['v1', v1Event, putV1],
] as const) {
  await compare(
    `POST /items/{id}, API Gateway ${format} (~200-byte JSON body, 10 headers)`,
    { name: 'native handler', fn: () => nativeHandler(event) },
    [
      { name: 'xfn, plain result', fn: () => xfnPlain(event, lambdaContext) },
      { name: 'xfn, Response', fn: () => xfnResponse(putEvent, lambdaContext) },
      { name: 'hono/aws-lambda', fn: () => honoHandler(event as never, lambdaContext as never) },
      // The floor of any handler that answers with a Response: building one, which is user code.
      { name: 'Response.json alone', fn: () => Response.json({ id: '42', total: 37.5 }) },
    ],
    [
      { task: 'xfn, plain result', atMost: 1.5 },
      { task: 'xfn, Response', atMost: 5 },
      { task: 'xfn, plain result', atMost: 0.25, than: 'hono/aws-lambda' },
      { task: 'xfn, Response', atMost: 0.25, than: 'hono/aws-lambda' },
    ],
  )
}
