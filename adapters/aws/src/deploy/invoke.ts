import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda'
import { GetParameterCommand } from '@aws-sdk/client-ssm'
import { apiKeyHeader, type ManifestFunction, XfnError } from '@xfn/core'
import { encodeS3Key } from '../runtime/s3.js'
import type { AwsClients } from './clients.js'
import { cloudError, ifExists } from './errors.js'
import { type AwsLayout, type AwsTarget, awsLayout } from './target.js'

export interface InvokeRequest {
  /** The body of a request, the message of a queue function, the key of a blob function. */
  readonly data: string
  /** HTTP: the path to call (the route, when it has no parameters). */
  readonly path?: string | undefined
  /** HTTP: the method (the function's first). */
  readonly method?: string | undefined
}

export interface InvokeOutcome {
  /** The function's answer: the HTTP result, or the SQS batch response. */
  readonly result: unknown
  /** Set when the invocation failed (Lambda's FunctionError, such as 'Unhandled'). */
  readonly error: string | undefined
  /** The end of the invocation's log: Lambda's START, the function's lines, END and REPORT. */
  readonly log: readonly string[]
}

/**
 * Invokes one deployed function once, with the event its trigger would send (an HTTP API request,
 * an SQS record, a scheduled event, an S3 record), and returns its answer with the tail of its log
 * (Lambda's `LogType: Tail`, the last 4 KB).
 */
export async function invokeFunction(
  clients: AwsClients,
  target: AwsTarget,
  fn: ManifestFunction,
  request: InvokeRequest,
): Promise<InvokeOutcome> {
  const layout = awsLayout(target)
  const event = await eventFor(clients, layout, fn, request)
  let answer: InvokeCommandOutput
  try {
    answer = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: layout.function(fn.name),
        // What the triggers invoke: the live release's version.
        Qualifier: layout.alias,
        Payload: new TextEncoder().encode(JSON.stringify(event)),
        LogType: 'Tail',
      }),
    )
  } catch (error) {
    throw cloudError(`Invoking ${layout.function(fn.name)}`, error)
  }
  const text = answer.Payload ? new TextDecoder().decode(answer.Payload) : ''
  let result: unknown = text
  try {
    result = text ? JSON.parse(text) : undefined
  } catch {
    // Not JSON: keep the text.
  }
  return {
    result,
    error: answer.FunctionError,
    log: answer.LogResult
      ? Buffer.from(answer.LogResult, 'base64').toString('utf8').split('\n').filter(Boolean)
      : [],
  }
}

async function eventFor(
  clients: AwsClients,
  layout: AwsLayout,
  fn: ManifestFunction,
  request: InvokeRequest,
): Promise<unknown> {
  const now = new Date()
  const { trigger } = fn
  if (trigger.type === 'http') {
    const path = request.path ?? trigger.route
    if (/[{}]/.test(path))
      throw new XfnError(
        'INVALID_OPTIONS',
        `The route of '${fn.name}' is ${trigger.route}: pass the path to call, such as --path ${trigger.route.replace(/\{\*?([^}]+)\}/g, '<$1>')}.`,
      )
    const method = (request.method ?? trigger.methods[0] ?? 'GET').toUpperCase()
    const [rawPath = '/', rawQueryString = ''] = path.split('?')
    const headers: Record<string, string> = {}
    if (request.data)
      headers['content-type'] = /^\s*[[{"]/.test(request.data) ? 'application/json' : 'text/plain'
    if (trigger.auth === 'key') {
      const key = await ifExists(() =>
        clients.ssm.send(new GetParameterCommand({ Name: layout.apiKeyParameter, WithDecryption: true })),
      )
      if (key?.Parameter?.Value) headers[apiKeyHeader] = key.Parameter.Value
    }
    return {
      version: '2.0',
      routeKey: '$default',
      rawPath,
      rawQueryString,
      headers,
      requestContext: {
        http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'xfn invoke' },
        requestId: crypto.randomUUID(),
        stage: '$default',
        timeEpoch: now.getTime(),
      },
      ...(request.data ? { body: request.data, isBase64Encoded: false } : { isBase64Encoded: false }),
    }
  }
  if (trigger.type === 'queue' || trigger.type === 'topic') {
    // A topic function is invoked as its subscription's queue delivers: the text as the body.
    const queue = trigger.type === 'queue' ? trigger.queue : layout.subscriptionQueue(trigger.topic, fn.name)
    return {
      Records: [
        {
          messageId: crypto.randomUUID(),
          receiptHandle: 'xfn-invoke',
          body: request.data,
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(now.getTime()) },
          messageAttributes: {},
          eventSource: 'aws:sqs',
          eventSourceARN: `arn:aws:sqs:::${queue}`,
        },
      ],
    }
  }
  if (trigger.type === 'timer')
    return {
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString().replace('.000', ''),
      detail: {},
    }
  const key = request.data || `${trigger.prefix}example${trigger.suffix}`
  return {
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        eventTime: now.toISOString(),
        s3: {
          bucket: { name: layout.bucket(trigger.bucket) },
          object: { key: encodeS3Key(key), size: 0 },
        },
      },
    ],
  }
}
