import { AsyncLocalStorage } from 'node:async_hooks'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { awsResourceProvider, encodeS3Key } from '@xfn/aws/runtime'
import { guardProvider, type Registry, type ResourceProvider, XfnError } from '@xfn/core'
import { HTTP } from 'cloudevents'
import { blobCloudEvent, messageCloudEvent } from './events.js'
import { readKnativeEnv, secretsDir } from './settings.js'

/** The function whose handler is running, for the check that it declared what it uses. */
export const running = new AsyncLocalStorage<string>()

/**
 * The portable clients on Knative: messages go to the app's broker as CloudEvents; buckets are in
 * the S3-compatible store the app is configured with; secrets are the files of the app's Secret.
 */
export function knativeResourceProvider(env: NodeJS.ProcessEnv): ResourceProvider {
  const settings = readKnativeEnv(env)
  const store = awsResourceProvider(
    {
      queues: {},
      buckets: Object.fromEntries(Object.entries(settings.buckets).map(([k, v]) => [k, { name: v }])),
    },
    {
      ...(settings.storeEndpoint ? { endpoint: settings.storeEndpoint, forcePathStyle: true } : {}),
      region: settings.storeRegion ?? 'us-east-1',
    },
  )
  const emit = async (event: Parameters<typeof HTTP.binary>[0], what: string) => {
    if (!settings.brokerUrl)
      throw new XfnError('INVALID_OPTIONS', `${what}: XFN_BROKER_URL is not set; redeploy the app with xfn.`)
    const message = HTTP.binary(event)
    const response = await fetch(settings.brokerUrl, {
      method: 'POST',
      headers: message.headers as Record<string, string>,
      body: message.body as string,
    })
    await response.body?.cancel()
    // The broker's ingress answers 202 once it has the event; anything else means it does not.
    if (!response.ok)
      throw new XfnError(
        'CLOUD_ERROR',
        `${what}: the broker answered ${response.status}; the message was not taken.`,
      )
  }
  const blobEvent = async (
    bucket: string,
    key: string,
    created: { size: number; etag: string } | undefined,
  ) => {
    if (!settings.watchedBuckets.includes(bucket)) return
    const record = {
      eventVersion: '2.1',
      eventSource: 'xfn:s3',
      awsRegion: settings.storeRegion ?? 'us-east-1',
      eventTime: new Date().toISOString(),
      eventName: created ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
      responseElements: { 'x-amz-request-id': crypto.randomUUID(), 'x-amz-id-2': settings.app },
      s3: {
        bucket: { name: settings.buckets[bucket] ?? bucket },
        object: { key: encodeS3Key(key), ...(created ?? {}) },
      },
    }
    await emit(blobCloudEvent(record, bucket), `bucket('${bucket}')`)
  }
  return {
    ...store,
    async sendMessages(queue, messages) {
      for (const message of messages) {
        if (message.delaySeconds)
          throw new XfnError(
            'INVALID_OPTIONS',
            `queue('${queue.name}'): Knative's brokers take no per-message delay; send it without delaySeconds.`,
          )
        await emit(
          messageCloudEvent(settings.app, { queue: queue.name }, message.body),
          `queue('${queue.name}').send`,
        )
      }
    },
    async publishMessages(topic, messages) {
      for (const message of messages)
        await emit(
          messageCloudEvent(
            settings.app,
            { topic: topic.name, attributes: message.attributes },
            message.body,
          ),
          `topic('${topic.name}').publish`,
        )
    },
    async putObject(bucket, key, body, contentType) {
      await store.putObject(bucket, key, body, contentType)
      await blobEvent(bucket.name, key, {
        size: body.byteLength,
        etag: createHash('md5').update(body).digest('hex'),
      })
    },
    async deleteObject(bucket, key) {
      await store.deleteObject(bucket, key)
      await blobEvent(bucket.name, key, undefined)
    },
    async getSecret(secret) {
      try {
        return await readFile(join(env.XFN_SECRETS_DIR ?? secretsDir, secret.name), 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
    },
  }
}

/** Makes the app's queues, topics, buckets and secrets work in the container. */
export function installKnativeResources(registry: Registry, env: NodeJS.ProcessEnv): void {
  registry.resources.provider ??= guardProvider(knativeResourceProvider(env), registry.functions, () =>
    running.getStore(),
  )
}
