import type { IncomingHttpHeaders } from 'node:http'

/*
 * The names the deployer and the entry share, and what the entry needs before any event comes:
 * nothing here loads the CloudEvents SDK, which the entry loads only when an event arrives.
 */

export const queueMessageType = 'dev.xfn.queue.message'
export const topicMessageType = 'dev.xfn.topic.message'
export const pingType = 'dev.knative.sources.ping'
export const s3TypePrefix = 'com.amazonaws.s3.'

/** Where a Trigger or a PingSource delivers a function's events, relative to its Service. */
export const eventPath = (functionName: string) => `/_xfn/events/${functionName}`

/** Where a Trigger sends the events it gave up delivering to a function. */
export const deadLetterPath = (functionName: string) => `/_xfn/dead-letters/${functionName}`

/** Whether a request carries a CloudEvent, in binary (ce-specversion) or structured mode. */
export function isCloudEvent(headers: IncomingHttpHeaders): boolean {
  return (
    headers['ce-specversion'] !== undefined ||
    (headers['content-type'] ?? '').startsWith('application/cloudevents+json')
  )
}
