import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns'
import type { Manifest } from '@xfn/core'
import { type FauxqsServer, startFauxqs } from 'fauxqs'
import { desiredState } from '../../../adapters/aws/src/deploy/desired.js'

/*
 * Topics on AWS for the conformance suite, through fauxqs, an SNS and SQS emulator nobody on the
 * team wrote, on 127.0.0.1: the topic, each subscription's queue and dead-letter queue, and the
 * subscriptions are made with the attributes the deployer computes (raw delivery, the filter
 * policy, the redrive policies), through the SNS and SQS APIs, so the emulator checks them; the
 * functions publish with the runtime's SNS client; and the emulator decides, by its own reading
 * of SNS, which subscription gets what, with which attributes, and when a message has been
 * received too often and goes to the dead-letter queue. What the driver plays is the event
 * source mapping: it receives batches from each subscription's queue, hands them to the
 * function as Lambda's SQS records, deletes what succeeded and makes the failures visible again.
 */

const region = 'eu-west-1'
/** The account fauxqs puts in every ARN. */
const account = '000000000000'

interface SqsMessage {
  MessageId: string
  ReceiptHandle: string
  Body: string
  MD5OfBody?: string
  Attributes?: Record<string, string>
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>
}

export type Consume = (
  functionName: string,
  event: { Records: Record<string, unknown>[] },
) => Promise<ReadonlySet<string>>

export class EmulatedTopics {
  readonly #server: FauxqsServer
  readonly #subscriptions: { function: string; queueUrl: string; queueArn: string; deadLetterUrl: string }[]
  readonly topics: Record<string, { arn: string }>
  readonly #restore: () => void

  private constructor(
    server: FauxqsServer,
    subscriptions: EmulatedTopics['subscriptions'],
    topics: Record<string, { arn: string }>,
    restore: () => void,
  ) {
    this.#server = server
    this.#subscriptions = subscriptions
    this.topics = topics
    this.#restore = restore
  }

  get subscriptions() {
    return this.#subscriptions
  }

  /**
   * Starts the emulator and makes the app's topics and subscriptions in it. The runtime's SNS
   * client finds it through AWS_ENDPOINT_URL_SNS, as the SDK documents.
   */
  static async start(manifest: Manifest): Promise<EmulatedTopics> {
    const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1', defaultRegion: region })
    const saved = { ...process.env }
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SNS: server.address,
      AWS_ACCESS_KEY_ID: 'conformance',
      AWS_SECRET_ACCESS_KEY: 'conformance',
    })
    const restore = () => {
      for (const name of ['AWS_ENDPOINT_URL_SNS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
        if (saved[name] === undefined) delete process.env[name]
        else process.env[name] = saved[name]
    }
    const desired = desiredState(
      { manifest, zip: new Uint8Array(), handlers: {} },
      { app: manifest.app, stage: 'test', region, accountId: account },
    )
    const sns = new SNSClient({ region, endpoint: server.address })
    const topics: Record<string, { arn: string }> = {}
    for (const topic of desired.topics) {
      const made = await sns.send(new CreateTopicCommand({ Name: topic.name, Tags: [] }))
      topics[topic.logical] = { arn: made.TopicArn ?? '' }
    }
    const subscriptionQueues = new Set(desired.subscriptions.map((s) => s.queue))
    const urls = new Map<string, string>()
    for (const queue of desired.queues.filter((q) => subscriptionQueues.has(q.name))) {
      for (const [name, attributes] of [
        [queue.deadLetter, queue.deadLetterAttributes],
        [queue.name, queue.attributes],
      ] as const) {
        const made = (await sqs(server, 'CreateQueue', { QueueName: name, Attributes: attributes })) as {
          QueueUrl: string
        }
        urls.set(name, made.QueueUrl)
      }
    }
    const subscriptions = []
    for (const subscription of desired.subscriptions) {
      const queueArn = desired.layout.queueArn(subscription.queue)
      await sns.send(
        new SubscribeCommand({
          TopicArn: topics[subscription.topic.logical]?.arn,
          Protocol: 'sqs',
          Endpoint: queueArn,
          Attributes: { ...subscription.attributes },
        }),
      )
      subscriptions.push({
        function: subscription.function,
        queueUrl: urls.get(subscription.queue) ?? '',
        queueArn,
        deadLetterUrl: urls.get(`${subscription.queue}-dlq`) ?? '',
      })
    }
    return new EmulatedTopics(server, subscriptions, topics, restore)
  }

  /**
   * Plays each subscription's event source mapping until every subscription queue is empty: a
   * batch of up to the function's batch size, handed to `consume`, which says which messages
   * failed; those become visible again at once, standing for the visibility timeout passing.
   * Returns whether any message was handled.
   */
  async drain(batchSizes: ReadonlyMap<string, number>, consume: Consume): Promise<boolean> {
    let handled = false
    for (let busy = true; busy; ) {
      busy = false
      for (const subscription of this.#subscriptions) {
        const { Messages = [] } = (await sqs(this.#server, 'ReceiveMessage', {
          QueueUrl: subscription.queueUrl,
          MaxNumberOfMessages: batchSizes.get(subscription.function) ?? 10,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        })) as { Messages?: SqsMessage[] }
        if (Messages.length === 0) continue
        busy = handled = true
        const failed = await consume(subscription.function, {
          Records: Messages.map((m) => lambdaRecord(m, subscription.queueArn)),
        })
        for (const message of Messages)
          await sqs(
            this.#server,
            failed.has(message.MessageId) ? 'ChangeMessageVisibility' : 'DeleteMessage',
            {
              QueueUrl: subscription.queueUrl,
              ReceiptHandle: message.ReceiptHandle,
              ...(failed.has(message.MessageId) ? { VisibilityTimeout: 0 } : {}),
            },
          )
      }
    }
    return handled
  }

  /** Takes the messages out of one function's subscription dead-letter queue: their bodies. */
  async takeDeadLetters(functionName: string): Promise<string[]> {
    const subscription = this.#subscriptions.find((s) => s.function === functionName)
    if (!subscription) return []
    const bodies: string[] = []
    for (;;) {
      const { Messages = [] } = (await sqs(this.#server, 'ReceiveMessage', {
        QueueUrl: subscription.deadLetterUrl,
        MaxNumberOfMessages: 10,
      })) as { Messages?: SqsMessage[] }
      if (Messages.length === 0) return bodies
      for (const message of Messages) {
        bodies.push(message.Body)
        await sqs(this.#server, 'DeleteMessage', {
          QueueUrl: subscription.deadLetterUrl,
          ReceiptHandle: message.ReceiptHandle,
        })
      }
    }
  }

  async stop(): Promise<void> {
    this.#restore()
    await this.#server.stop()
  }
}

/**
 * One SQS API call in its JSON protocol, sent by hand: the suite replaces the SDK's SQS client
 * with an in-memory one for the queues of the other apps, so this one cannot use it.
 */
async function sqs(server: FauxqsServer, action: string, input: object): Promise<unknown> {
  const response = await fetch(server.address, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
    body: JSON.stringify(input),
  })
  const answer = (await response.json()) as { __type?: string; message?: string }
  if (!response.ok) throw new Error(`SQS ${action}: ${answer.__type} ${answer.message}`)
  return answer
}

/** An SQS message as Lambda's event source mapping hands it to a function. */
function lambdaRecord(message: SqsMessage, queueArn: string): Record<string, unknown> {
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes: message.Attributes ?? {},
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          stringValue: value.StringValue,
          stringListValues: [],
          binaryListValues: [],
          dataType: value.DataType,
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  }
}
