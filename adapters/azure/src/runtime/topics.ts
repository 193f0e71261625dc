import type { EventGridEvent } from '@azure/functions'
import {
  type Context,
  type FunctionDefinition,
  matchesFilter,
  type PublishedMessage,
  type TopicTrigger,
  topicMessage,
  XfnError,
} from '@xfn/core'

/*
 * Topics on Azure are Event Grid custom topics. A message is published as one event of Event
 * Grid's own schema, whose `data` holds the text and the attributes; each topic function has its
 * own event subscription, filtered on `data.attributes.<name>`, which calls the host's Event Grid
 * webhook for it, retries, and dead-letters into a blob container.
 */

/** The event type of every message xfn publishes, which subscriptions take alone. */
export const topicEventType = 'xfn.published'

/** The app setting of the topics the app publishes to: `{ "<topic>": { endpoint } }`. */
export const topicsSetting = 'XFN_TOPICS'

/** The key an Event Grid advanced filter reads a message's attribute at. */
export const attributeKey = (name: string) => `data.attributes.${name}`

/** What a published event carries. */
export interface TopicEventData {
  readonly text: string
  readonly attributes: Readonly<Record<string, string>>
}

/** The event that publishes one message, as Event Grid's publish API takes it. */
export function topicEvent(topic: string, message: PublishedMessage, id: string, now: Date) {
  return {
    id,
    subject: topic,
    eventType: topicEventType,
    eventTime: now.toISOString(),
    dataVersion: '1',
    data: { text: message.body, attributes: message.attributes } satisfies TopicEventData,
  }
}

/**
 * One message of a topic subscription. Event Grid compares filter strings without regard to
 * case, so the filter is checked again here as every cloud checks it, exactly; a message it does
 * not pass is skipped, and counts as delivered. A thrown error fails the delivery, which Event
 * Grid retries up to `maxAttempts` and then dead-letters. Event Grid does not tell the function
 * which delivery this is, so `attempt` is 1.
 */
export async function handleTopic(
  fn: FunctionDefinition<TopicTrigger>,
  event: EventGridEvent,
  context: Context,
): Promise<void> {
  const data = event.data as Partial<TopicEventData> | undefined
  if (event.eventType !== topicEventType || typeof data?.text !== 'string') {
    throw new XfnError(
      'MALFORMED_EVENT',
      `function '${fn.name}' takes messages of topic '${fn.trigger.topic}', but received an event of type '${event.eventType}'; check what publishes to its Event Grid topic.`,
    )
  }
  const attributes = { ...data.attributes }
  if (!matchesFilter(fn.trigger.filter, attributes)) {
    context.log.debug('skipped a message its filter does not pass', { id: event.id, attributes })
    return
  }
  await fn.handler(
    topicMessage({
      id: event.id,
      body: data.text,
      attempt: 1,
      publishedAt: new Date(event.eventTime),
      attributes,
      topic: fn.trigger.topic,
      native: event,
    }),
    context,
  )
}
