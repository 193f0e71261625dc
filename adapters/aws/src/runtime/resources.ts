import type { S3Client } from '@aws-sdk/client-s3'
import type { SNSClient } from '@aws-sdk/client-sns'
import type { SQSClient } from '@aws-sdk/client-sqs'
import type { SSMClient } from '@aws-sdk/client-ssm'
import {
  type BucketSpec,
  checkMessageSize,
  defaultRegistry,
  guardProvider,
  type ObjectInfo,
  type QueueSpec,
  type Registry,
  type ResourceProvider,
  type TopicSpec,
  XfnError,
} from '@xfn/core'

import { running } from './caller.js'

const sqsBatchSize = 10

/**
 * Where the app's queues, buckets and topics are on AWS, which the deployer writes into the
 * function's environment as XFN_RESOURCES: only the resources the function declares it uses.
 */
export interface AwsResources {
  readonly queues: Readonly<Record<string, { readonly url: string }>>
  readonly buckets: Readonly<Record<string, { readonly name: string }>>
  /** Absent when the function publishes to no topic. */
  readonly topics?: Readonly<Record<string, { readonly arn: string }>>
  /** The SSM parameter of each secret it reads; absent when it reads none. */
  readonly secrets?: Readonly<Record<string, { readonly parameter: string }>>
}

export function resourcesFromEnvironment(text = process.env.XFN_RESOURCES): AwsResources {
  if (!text) return { queues: {}, buckets: {} }
  try {
    const parsed = JSON.parse(text) as Partial<AwsResources>
    return {
      queues: parsed.queues ?? {},
      buckets: parsed.buckets ?? {},
      topics: parsed.topics ?? {},
      secrets: parsed.secrets ?? {},
    }
  } catch {
    throw new XfnError(
      'CLOUD_ERROR',
      'The environment variable XFN_RESOURCES is not valid JSON; redeploy the app with xfn.',
    )
  }
}

/**
 * Queues, buckets and topics on AWS, through the AWS SDK v3 that the Lambda runtime provides. Each client
 * is made on first use, so a function that uses no resource loads no SDK at cold start. Endpoints
 * follow the SDK's own settings (AWS_ENDPOINT_URL and friends), for LocalStack or moto.
 */
export function awsResourceProvider(
  resources: AwsResources = resourcesFromEnvironment(),
  /** The S3 client's settings, for another store that speaks S3's API (path-style addressing, its endpoint). */
  s3Settings: {
    readonly endpoint?: string
    readonly region?: string
    readonly forcePathStyle?: boolean
  } = {},
): ResourceProvider {
  let sqs: Promise<{ client: SQSClient; sdk: typeof import('@aws-sdk/client-sqs') }> | undefined
  let s3: Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> | undefined
  let sns: Promise<{ client: SNSClient; sdk: typeof import('@aws-sdk/client-sns') }> | undefined
  let ssm: Promise<{ client: SSMClient; sdk: typeof import('@aws-sdk/client-ssm') }> | undefined
  const sqsClient = () => {
    sqs ??= import('@aws-sdk/client-sqs').then((sdk) => ({ client: new sdk.SQSClient({}), sdk }))
    return sqs
  }
  const s3Client = () => {
    s3 ??= import('@aws-sdk/client-s3').then((sdk) => ({ client: new sdk.S3Client(s3Settings), sdk }))
    return s3
  }
  const snsClient = () => {
    sns ??= import('@aws-sdk/client-sns').then((sdk) => ({ client: new sdk.SNSClient({}), sdk }))
    return sns
  }
  const ssmClient = () => {
    ssm ??= import('@aws-sdk/client-ssm').then((sdk) => ({ client: new sdk.SSMClient({}), sdk }))
    return ssm
  }
  const topicArn = (topic: TopicSpec) => {
    const arn = resources.topics?.[topic.name]?.arn
    if (!arn) throw undeclared('topic', topic.name)
    return arn
  }
  const queueUrl = (queue: QueueSpec) => {
    const url = resources.queues[queue.name]?.url
    if (!url) throw undeclared('queue', queue.name)
    return url
  }
  const bucketName = (bucket: BucketSpec) => {
    const name = resources.buckets[bucket.name]?.name
    if (!name) throw undeclared('bucket', bucket.name)
    return name
  }

  return {
    async sendMessages(queue, messages) {
      const url = queueUrl(queue)
      for (const message of messages) checkMessageSize(queue.name, message.body, 'aws')
      if (queue.fifo && messages.some((m) => m.delaySeconds)) {
        throw new XfnError(
          'INVALID_OPTIONS',
          `queue('${queue.name}') is FIFO, and SQS FIFO queues take no per-message delay; send it without delaySeconds.`,
        )
      }
      const { client, sdk } = await sqsClient()
      for (let start = 0; start < messages.length; start += sqsBatchSize) {
        const entries = messages.slice(start, start + sqsBatchSize).map((message, index) => ({
          Id: String(start + index),
          MessageBody: message.body,
          ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
          ...(queue.fifo ? { MessageGroupId: queue.name } : {}),
        }))
        const result = await client.send(new sdk.SendMessageBatchCommand({ QueueUrl: url, Entries: entries }))
        if (result.Failed && result.Failed.length > 0) {
          const reasons = result.Failed.map((f) => `message ${f.Id}: ${f.Code} ${f.Message ?? ''}`.trim())
          throw new XfnError(
            'CLOUD_ERROR',
            `SQS did not take ${result.Failed.length} message(s) for queue('${queue.name}'): ${reasons.join('; ')}. Nothing after them was sent.`,
          )
        }
      }
    },

    /** One Publish per message: the text as it is, each attribute a String message attribute. */
    async publishMessages(topic, messages) {
      const arn = topicArn(topic)
      const { client, sdk } = await snsClient()
      for (const message of messages) {
        await client.send(
          new sdk.PublishCommand({
            TopicArn: arn,
            Message: message.body,
            MessageAttributes: Object.fromEntries(
              Object.entries(message.attributes).map(([name, value]) => [
                name,
                { DataType: 'String', StringValue: value },
              ]),
            ),
          }),
        )
      }
    },

    /** A SecureString parameter, decrypted; undefined when it is not set. */
    async getSecret(secret) {
      const parameter = resources.secrets?.[secret.name]?.parameter
      if (!parameter) throw undeclared('secret', secret.name)
      const { client, sdk } = await ssmClient()
      try {
        const found = await client.send(
          new sdk.GetParameterCommand({ Name: parameter, WithDecryption: true }),
        )
        return found.Parameter?.Value
      } catch (error) {
        if ((error as { name?: string }).name === 'ParameterNotFound') return undefined
        throw error
      }
    },

    async putObject(bucket, key, body, contentType) {
      const { client, sdk } = await s3Client()
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucketName(bucket),
          Key: key,
          Body: body,
          ContentType: contentType,
        }),
      )
    },

    async getObject(bucket, key) {
      const { client, sdk } = await s3Client()
      try {
        const result = await client.send(new sdk.GetObjectCommand({ Bucket: bucketName(bucket), Key: key }))
        return {
          body: (await result.Body?.transformToByteArray()) ?? new Uint8Array(0),
          contentType: result.ContentType,
        }
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return null
        throw error
      }
    },

    async *listObjects(bucket, prefix): AsyncIterable<ObjectInfo> {
      const { client, sdk } = await s3Client()
      for await (const page of sdk.paginateListObjectsV2(
        { client },
        { Bucket: bucketName(bucket), Prefix: prefix },
      )) {
        for (const item of page.Contents ?? []) {
          if (!item.Key) continue
          yield {
            key: item.Key,
            size: item.Size ?? 0,
            etag: item.ETag ?? '',
            lastModified: item.LastModified ?? new Date(0),
          }
        }
      }
    },

    async deleteObject(bucket, key) {
      const { client, sdk } = await s3Client()
      await client.send(new sdk.DeleteObjectCommand({ Bucket: bucketName(bucket), Key: key }))
    },

    async signedUrl(bucket, key, options) {
      const [{ client, sdk }, { getSignedUrl }] = await Promise.all([
        s3Client(),
        import('@aws-sdk/s3-request-presigner'),
      ])
      const input = { Bucket: bucketName(bucket), Key: key }
      const command =
        options.method === 'PUT' ? new sdk.PutObjectCommand(input) : new sdk.GetObjectCommand(input)
      return getSignedUrl(client, command, { expiresIn: options.expiresIn })
    },
  }
}

function undeclared(kind: 'queue' | 'bucket' | 'topic' | 'secret', name: string): XfnError {
  return new XfnError(
    'INVALID_OPTIONS',
    `${kind}('${name}') is not among the resources this function was deployed with (XFN_RESOURCES lacks it). Redeploy the app with xfn so the function gets it.`,
  )
}

/**
 * Makes the app's queues, buckets and topics work inside Lambda. The build's generated entry calls it when
 * the app declares any, so an app without resources carries none of this code.
 *
 * @example
 * import './app.js'
 * installAwsResources()
 */
export function installAwsResources(registry: Registry = defaultRegistry()): void {
  registry.resources.provider ??= guardProvider(awsResourceProvider(), registry.functions, () => running.name)
}
