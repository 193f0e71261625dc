import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { createApp, toManifest } from '@xfn/core'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, describe, expect, it } from 'vitest'
import { registerEveryKind } from '../../../../core/src/__fixtures__/every-kind.js'
import { lambdaContext } from '../runtime/__fixtures__/events.js'
import { viewHttpEvent } from '../runtime/http/request.js'
import { lambdaHandler } from '../runtime/index.js'
import { isS3Event } from '../runtime/s3.js'
import { isSqsEvent } from '../runtime/sqs.js'
import { isTimerEvent } from '../runtime/timer.js'
import { createAwsClients, invokeFunction } from './index.js'

const target = { app: 'shop', stage: 'dev', region: 'eu-west-1', accountId: '123456789012' }
const lambda = mockClient(LambdaClient)
const ssm = mockClient(SSMClient)
afterEach(() => {
  lambda.reset()
  ssm.reset()
})

function functionNamed(name: string) {
  const made = createApp()
  registerEveryKind(made)
  const fn = toManifest(made.registry, { app: 'shop' }).functions.find((f) => f.name === name)
  if (!fn) throw new Error(name)
  return fn
}

const sentEvent = () =>
  JSON.parse(
    new TextDecoder().decode(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array),
  )

describe('xfn invoke --cloud aws', () => {
  it("sends an HTTP function the API's event with the app's key, and returns its answer and log tail", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'the-key' } })
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: new TextEncoder().encode('{"statusCode":202,"body":"{}"}') as never,
      LogResult: Buffer.from(
        'START RequestId: r\n{"level":"INFO","message":"hi"}\nEND RequestId: r\n',
      ).toString('base64'),
    })
    const outcome = await invokeFunction(
      createAwsClients({ region: 'eu-west-1' }),
      target,
      functionNamed('createOrder'),
      {
        data: '{"sku":"tea"}',
      },
    )
    expect(lambda.commandCalls(InvokeCommand)[0]?.args[0].input).toMatchObject({
      FunctionName: 'shop-dev-createOrder',
      LogType: 'Tail',
    })
    const event = sentEvent()
    expect(viewHttpEvent(event)?.method).toBe('POST')
    expect(event.headers['x-api-key']).toBe('the-key')
    expect(event.body).toBe('{"sku":"tea"}')
    expect(outcome).toEqual({
      result: { statusCode: 202, body: '{}' },
      error: undefined,
      log: ['START RequestId: r', '{"level":"INFO","message":"hi"}', 'END RequestId: r'],
    })
  })

  it('sends each other trigger the event the runtime recognises', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: new TextEncoder().encode('{"errorMessage":"no"}') as never,
    })
    const clients = createAwsClients({ region: 'eu-west-1' })
    const fulfil = await invokeFunction(clients, target, functionNamed('fulfil'), { data: '{"sku":"tea"}' })
    expect(isSqsEvent(sentEvent())).toBe(true)
    expect(fulfil.error).toBe('Unhandled')
    lambda.resetHistory()
    await invokeFunction(clients, target, functionNamed('nightly'), { data: '' })
    expect(isTimerEvent(sentEvent())).toBe(true)
    lambda.resetHistory()
    await invokeFunction(clients, target, functionNamed('audit'), { data: 'r/a b.json' })
    expect(isS3Event(sentEvent())).toBe(true)
    expect(sentEvent().Records[0].s3.object.key).toBe('r/a+b.json')
  })

  it("sends a topic function its subscription queue's event, which the runtime hands over as a topic message", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode('{}') as never })
    const made = createApp()
    const texts: string[] = []
    made.app.topic('notify', { topic: made.topic('order-placed') }, (message) => {
      texts.push(`${message.topic}: ${message.text()}`)
    })
    const [notify] = toManifest(made.registry, { app: 'shop' }).functions
    if (!notify) throw new Error('notify')
    await invokeFunction(createAwsClients({ region: 'eu-west-1' }), target, notify, { data: '{"id":7}' })
    const event = sentEvent()
    expect(event.Records[0].eventSourceARN).toBe('arn:aws:sqs:::shop-dev-order-placed--notify')
    const handler = lambdaHandler('notify', { registry: made.registry, write: () => undefined })
    expect(await handler(event, lambdaContext())).toEqual({ batchItemFailures: [] })
    expect(texts).toEqual(['order-placed: {"id":7}'])
  })

  it('asks for the path of a route with parameters', async () => {
    await expect(
      invokeFunction(createAwsClients({ region: 'eu-west-1' }), target, functionNamed('getOrder'), {
        data: '',
      }),
    ).rejects.toThrow('pass the path to call, such as --path /orders/<id>')
  })
})
