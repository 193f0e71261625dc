import { checkMessageSize, type PublishedMessage, type ResourceProvider, XfnError } from '@xfn/core'
import { readSecrets } from '../secrets.js'
import type { BlobStore } from './blobs.js'

/** Where sent messages go: the journal itself, or (in the sandbox) the cloud that keeps it. */
export interface MessageSink {
  send(queue: string, messages: readonly { body: string }[]): unknown
  /** Publishes to a topic: a copy for each subscription its filter lets through (the cloud knows them). */
  publish?(topic: string, messages: readonly PublishedMessage[]): unknown
}

/**
 * The portable queue and bucket clients on the local cloud's stores. `sent` is told the queue a
 * message went to, so its consumer wakes at once; `baseUrl` is where signed URLs point.
 */
export function localResourceProvider(
  queues: MessageSink,
  blobs: BlobStore,
  options: {
    baseUrl: () => string
    sent?: (queue: string) => void
    /** The file of the app's secrets, read at each ask (the guard keeps a value a minute). */
    secrets?: string
  },
): ResourceProvider {
  return {
    sendMessages: async (queue, messages) => {
      for (const message of messages) checkMessageSize(queue.name, message.body, 'local')
      await queues.send(queue.name, messages)
      options.sent?.(queue.name)
    },
    publishMessages: async (topic, messages) => {
      // topic().publish() checked the limits; the cloud checks them again as it writes.
      if (!queues.publish) throw new XfnError('INTERNAL', 'this message sink takes no topic messages')
      await queues.publish(topic.name, messages)
    },
    putObject: (bucket, key, body, contentType) => blobs.put(bucket, key, body, contentType),
    getObject: (bucket, key) => blobs.get(bucket, key),
    listObjects: (bucket, prefix) => blobs.list(bucket, prefix),
    deleteObject: (bucket, key) => blobs.delete(bucket, key),
    signedUrl: async (bucket, key, signing) => blobs.signedUrl(options.baseUrl(), bucket.name, key, signing),
    getSecret: async (secret) =>
      options.secrets === undefined ? undefined : readSecrets(options.secrets)[secret.name]?.value,
  }
}
