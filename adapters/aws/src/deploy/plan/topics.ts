import {
  CreateTopicCommand,
  DeleteTopicCommand,
  SetSubscriptionAttributesCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns'
import type { Desired } from '../desired.js'
import { ifExists } from '../errors.js'
import type { Observed } from '../observe.js'
import { type Change, phase, tagList } from './change.js'

/*
 * The changes to the app's SNS topics and their subscriptions: one per topic function, from the
 * topic to the function's own queue (made with the other queues, in storage.ts).
 */

export function topicChanges(desired: Desired, observed: Observed): Change[] {
  const changes: Change[] = []
  for (const topic of desired.topics) {
    if (observed.topics.has(topic.name)) continue
    changes.push({
      action: 'create',
      kind: 'topic',
      name: topic.name,
      reason: `topic '${topic.logical}'`,
      phase: phase.topic,
      async run({ clients }) {
        // CreateTopic returns the existing topic when one of the name and tags exists.
        await clients.sns.send(new CreateTopicCommand({ Name: topic.name, Tags: tagList(desired.tags) }))
      },
    })
  }
  const wanted = new Set(desired.topics.map((t) => t.name))
  for (const [name, { arn }] of observed.topics) {
    if (wanted.has(name)) continue
    changes.push({
      action: 'delete',
      kind: 'topic',
      name,
      reason: 'no longer declared by the app (its subscriptions go with it)',
      phase: phase.deleteTopic,
      run: async ({ clients }) =>
        void (await ifExists(() => clients.sns.send(new DeleteTopicCommand({ TopicArn: arn })))),
    })
  }
  return changes
}

export function subscriptionChanges(desired: Desired, observed: Observed): Change[] {
  const { layout } = desired
  const changes: Change[] = []
  const wanted = new Set<string>()
  for (const subscription of desired.subscriptions) {
    const endpoint = layout.queueArn(subscription.queue)
    wanted.add(endpoint)
    const name = `${subscription.topic.logical} → ${subscription.function}`
    const existing = observed.topics.get(subscription.topic.name)?.subscriptions.get(endpoint)
    if (!existing) {
      changes.push({
        action: 'create',
        kind: 'subscription',
        name,
        reason: `the function's queue ${subscription.queue}, raw delivery${subscription.attributes.FilterPolicy ? `, filter ${subscription.attributes.FilterPolicy}` : ''}`,
        phase: phase.subscription,
        async run({ clients }) {
          // Subscribe returns the existing subscription when one of the same attributes exists.
          await clients.sns.send(
            new SubscribeCommand({
              TopicArn: subscription.topic.arn,
              Protocol: 'sqs',
              Endpoint: endpoint,
              Attributes: { ...subscription.attributes },
              ReturnSubscriptionArn: true,
            }),
          )
        },
      })
      continue
    }
    const differing = differingAttributes(existing.attributes, subscription.attributes)
    if (differing.length === 0) continue
    changes.push({
      action: 'update',
      kind: 'subscription',
      name,
      reason: `${differing.map(([key]) => key).join(', ')} changed`,
      phase: phase.subscription,
      async run({ clients }) {
        // SetSubscriptionAttributes takes one attribute per call.
        for (const [AttributeName, AttributeValue] of differing)
          await clients.sns.send(
            new SetSubscriptionAttributesCommand({
              SubscriptionArn: existing.arn,
              AttributeName,
              AttributeValue,
            }),
          )
      },
    })
  }
  for (const [topicName, topic] of observed.topics) {
    // A topic being deleted takes its subscriptions with it.
    if (!desired.topics.some((t) => t.name === topicName)) continue
    for (const [endpoint, { arn }] of topic.subscriptions) {
      if (wanted.has(endpoint)) continue
      changes.push({
        action: 'delete',
        kind: 'subscription',
        name: `${topicName} → ${endpoint.slice(endpoint.lastIndexOf(':') + 1)}`,
        reason: 'its function no longer subscribes',
        phase: phase.deleteSubscription,
        run: async ({ clients }) =>
          void (await ifExists(() => clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: arn })))),
      })
    }
  }
  return changes
}

/**
 * The attributes to set, each with its new value: a filter policy no longer wanted is set to `{}`,
 * which removes it. SNS may return a policy reformatted, so JSON is compared parsed.
 */
function differingAttributes(
  actual: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>>,
): [string, string][] {
  const same = (a: string | undefined, b: string | undefined) => {
    if (a === b) return true
    try {
      return JSON.stringify(JSON.parse(a ?? 'null')) === JSON.stringify(JSON.parse(b ?? 'null'))
    } catch {
      return false
    }
  }
  const differing: [string, string][] = []
  for (const [key, value] of Object.entries(wanted))
    if (!same(actual[key], value)) differing.push([key, value])
  const hasPolicy = actual.FilterPolicy !== undefined && actual.FilterPolicy !== '{}'
  if (wanted.FilterPolicy === undefined && hasPolicy) differing.push(['FilterPolicy', '{}'])
  return differing
}
