import { createHash } from 'node:crypto'
import type { BucketSpec, ObjectInfo, QueueSpec, ResourceProvider } from '../resources.js'
import type { SecretSpec } from '../secrets.js'
import type { PublishedMessage, TopicSpec } from '../topics.js'

/** A message published to a topic, as a test reads it back. */
export interface PublishedToTopic extends PublishedMessage {
  readonly topic: string
}

export interface SentMessage {
  readonly queue: string
  readonly body: string
  readonly delaySeconds?: number
}

interface StoredEntry {
  body: Uint8Array
  contentType: string | undefined
  etag: string
  lastModified: Date
}

/** Queues, topics, buckets and secrets in memory, for tests: what was sent, published and stored can be read back. */
export class MemoryProvider implements ResourceProvider {
  readonly sent: SentMessage[] = []
  readonly published: PublishedToTopic[] = []
  readonly objects = new Map<string, Map<string, StoredEntry>>()
  /** Secrets' values by name, as a test gives them. */
  readonly secrets = new Map<string, string>()

  async sendMessages(queue: QueueSpec, messages: readonly { body: string; delaySeconds?: number }[]) {
    for (const message of messages) this.sent.push({ queue: queue.name, ...message })
  }

  async publishMessages(topic: TopicSpec, messages: readonly PublishedMessage[]) {
    for (const message of messages) this.published.push({ topic: topic.name, ...message })
  }

  async getSecret(secret: SecretSpec) {
    return this.secrets.get(secret.name)
  }

  async putObject(bucket: BucketSpec, key: string, body: Uint8Array, contentType: string | undefined) {
    const etag = createHash('md5').update(body).digest('hex')
    this.bucketMap(bucket.name).set(key, { body: body.slice(), contentType, etag, lastModified: new Date() })
  }

  async getObject(bucket: BucketSpec, key: string) {
    const entry = this.bucketMap(bucket.name).get(key)
    return entry ? { body: entry.body.slice(), contentType: entry.contentType } : null
  }

  async *listObjects(bucket: BucketSpec, prefix: string): AsyncIterable<ObjectInfo> {
    const keys = [...this.bucketMap(bucket.name).keys()].filter((k) => k.startsWith(prefix)).sort()
    for (const key of keys) {
      const entry = this.bucketMap(bucket.name).get(key)
      if (entry)
        yield { key, size: entry.body.byteLength, etag: entry.etag, lastModified: entry.lastModified }
    }
  }

  async deleteObject(bucket: BucketSpec, key: string) {
    this.bucketMap(bucket.name).delete(key)
  }

  async signedUrl(bucket: BucketSpec, key: string, options: { expiresIn: number; method: 'GET' | 'PUT' }) {
    const expires = Math.floor(Date.now() / 1000) + options.expiresIn
    return `memory://${bucket.name}/${encodeURIComponent(key)}?method=${options.method}&expires=${expires}`
  }

  private bucketMap(name: string): Map<string, StoredEntry> {
    let map = this.objects.get(name)
    if (!map) {
      map = new Map()
      this.objects.set(name, map)
    }
    return map
  }
}
