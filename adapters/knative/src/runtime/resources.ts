import { AsyncLocalStorage } from 'node:async_hooks'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { guardProvider, type Registry, type ResourceProvider, XfnError } from '@xfn/core'
import type { CloudEvent } from 'cloudevents'
import { readKnativeEnv, secretsDir } from './settings.js'
import type { knativeStore } from './store.js'

/** The function whose handler is running, for the check that it declared what it uses. */
export const running = new AsyncLocalStorage<string>()

/**
 * The portable clients on Knative: messages go to the app's broker as CloudEvents; buckets are in
 * the S3-compatible store the app is configured with; secrets are the files of the app's Secret.
 * The CloudEvents SDK loads at its first use, not at the container's start.
 */
export function knativeResourceProvider(
  env: NodeJS.ProcessEnv,
  store: ReturnType<typeof knativeStore>,
): ResourceProvider {
  const settings = readKnativeEnv(env)
  const emit = async (event: CloudEvent<unknown>, what: string) => {
    if (!settings.brokerUrl)
      throw new XfnError('INVALID_OPTIONS', `${what}: XFN_BROKER_URL is not set; redeploy the app with xfn.`)
    // Through the module that imports the SDK: a dynamic import of the SDK itself, a CommonJS
    // package, would see only its default export in the bundle's chunk.
    const { binaryRequest } = await import('./events.js')
    const message = binaryRequest(event)
    const response = await fetch(settings.brokerUrl, {
      method: 'POST',
      headers: message.headers,
      body: message.body,
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
    const { encodeS3Key } = await import('@xfn/aws/runtime')
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
    const { blobCloudEvent } = await import('./events.js')
    await emit(blobCloudEvent(record, bucket), `bucket('${bucket}')`)
  }
  const messageOf = async (to: Parameters<typeof import('./events.js').messageCloudEvent>[1], body: string) =>
    (await import('./events.js')).messageCloudEvent(settings.app, to, body)
  return {
    getObject: (bucket, key) => store.getObject(bucket, key),
    listObjects: (bucket, prefix) => store.listObjects(bucket, prefix),
    signedUrl: (bucket, key, options) => store.signedUrl(bucket, key, options),
    async sendMessages(queue, messages) {
      for (const message of messages) {
        if (message.delaySeconds)
          throw new XfnError(
            'INVALID_OPTIONS',
            `queue('${queue.name}'): Knative's brokers take no per-message delay; send it without delaySeconds.`,
          )
        await emit(await messageOf({ queue: queue.name }, message.body), `queue('${queue.name}').send`)
      }
    },
    async publishMessages(topic, messages) {
      for (const message of messages)
        await emit(
          await messageOf({ topic: topic.name, attributes: message.attributes }, message.body),
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
export function installKnativeResources(
  registry: Registry,
  env: NodeJS.ProcessEnv,
  store: ReturnType<typeof knativeStore>,
): void {
  registry.resources.provider ??= guardProvider(knativeResourceProvider(env, store), registry.functions, () =>
    running.getStore(),
  )
}
