import { topicEventType } from '../runtime/topics.js'
import type { Change } from './apply-context.js'
import { deadLetterContainer, eventPhase, sameList, systemKey } from './blob-events.js'
import { assignRole, roles } from './role-assignments.js'

/** After the topic and the site (its identity) exist. */
const topicSenderPhase = 4.5

import type { Desired } from './desired.js'
import type { Observed } from './observe.js'

/*
 * Topics through Event Grid: a custom topic per topic of the app, taking events of Event Grid's
 * own schema, and per topic function an event subscription that calls the host's Event Grid
 * webhook with its `eventgrid_extension` key, filtered to xfn's messages whose attributes pass
 * the function's filter, retried up to the function's `maxAttempts`, then dead-lettered into the
 * app's dead-letter container, under `<topic>/<subscription>/`.
 */

const phase = eventPhase

export function planTopics(desired: Desired, observed: Observed): Change[] {
  const { layout, tags, target } = desired
  const rg = layout.resourceGroup
  const changes: Change[] = []
  for (const topic of desired.topics) {
    if (observed.topics.has(topic.name)) continue
    changes.push({
      action: 'create',
      kind: 'event-topic',
      name: topic.name,
      reason: `topic '${topic.logical}'`,
      phase: phase.topic,
      run: async ({ clients, facts, poll }) => {
        const made = await clients.events.topics.beginCreateOrUpdateAndWait(
          rg,
          topic.name,
          { location: target.location, tags, inputSchema: 'EventGridSchema' },
          poll,
        )
        facts.topics.set(topic.logical, { endpoint: made.endpoint ?? '' })
      },
    })
  }
  // Publishers send with the Function App's identity: EventGrid Data Sender on each topic they use.
  for (const logical of desired.publishedTopics) {
    const topic = desired.topics.find((t) => t.logical === logical)
    if (topic)
      changes.push(
        ...assignRole(desired, observed, {
          scope: layout.topicId(topic.name),
          role: roles.eventGridDataSender,
          principal: (facts) => observed.site?.principalId ?? facts.principalId,
          servicePrincipal: true,
          name: `EventGrid Data Sender for the Function App on ${topic.name}`,
          reason: 'its functions publish with its identity; no access key is kept in its settings',
          phase: topicSenderPhase,
        }),
      )
  }
  const host = observed.site?.defaultHostName
  const webhook = host && `https://${host}/runtime/webhooks/eventgrid`
  for (const subscription of desired.topicSubscriptions) {
    const current = observed.topics.get(subscription.topic.name)?.subscriptions.get(subscription.name)
    const same =
      current !== undefined &&
      current.endpointBaseUrl === webhook &&
      sameList(current.includedEventTypes, [topicEventType]) &&
      current.maxDeliveryAttempts === subscription.maxDeliveryAttempts &&
      current.deadLetterContainer === deadLetterContainer &&
      JSON.stringify(current.advancedFilters) === JSON.stringify(subscription.advancedFilters)
    if (same) continue
    changes.push({
      action: current ? 'update' : 'create',
      kind: 'event-subscription',
      name: `${subscription.topic.logical} → ${subscription.function}`,
      reason:
        subscription.advancedFilters.length > 0
          ? `filtered on ${subscription.advancedFilters.map((f) => `${f.key} in ${f.values.join('|')}`).join(', ')}`
          : 'every message',
      phase: phase.subscription,
      run: async (context) => {
        const { clients, facts, poll } = context
        const key = await systemKey(context, 'eventgrid_extension')
        await clients.events.topicEventSubscriptions.beginCreateOrUpdateAndWait(
          rg,
          subscription.topic.name,
          subscription.name,
          {
            destination: {
              endpointType: 'WebHook',
              endpointUrl: `https://${facts.defaultHostName}/runtime/webhooks/eventgrid?functionName=${subscription.function}&code=${key}`,
            },
            filter: {
              includedEventTypes: [topicEventType],
              advancedFilters: subscription.advancedFilters.map((f) => ({ ...f, values: [...f.values] })),
            },
            eventDeliverySchema: 'EventGridSchema',
            retryPolicy: {
              maxDeliveryAttempts: subscription.maxDeliveryAttempts,
              eventTimeToLiveInMinutes: 1440,
            },
            deadLetterDestination: {
              endpointType: 'StorageBlob',
              resourceId: layout.storageId,
              blobContainerName: deadLetterContainer,
            },
          },
          poll,
        )
      },
    })
  }
  for (const [topicName, topic] of observed.topics) {
    // Deleting a topic deletes its subscriptions.
    if (!desired.topics.some((t) => t.name === topicName)) {
      changes.push({
        action: 'delete',
        kind: 'event-topic',
        name: topicName,
        reason: 'no longer declared by the app (its subscriptions go with it)',
        phase: phase.deleteTopic,
        run: async ({ clients, poll }) => {
          await clients.events.topics.beginDeleteAndWait(rg, topicName, poll)
        },
      })
      continue
    }
    for (const name of topic.subscriptions.keys())
      if (
        name.startsWith('xfn-') &&
        !desired.topicSubscriptions.some((s) => s.topic.name === topicName && s.name === name)
      )
        changes.push({
          action: 'delete',
          kind: 'event-subscription',
          name: `${topicName} → ${name}`,
          reason: 'its function no longer subscribes',
          phase: phase.deleteSubscription,
          run: async ({ clients, poll }) => {
            await clients.events.topicEventSubscriptions.beginDeleteAndWait(rg, topicName, name, poll)
          },
        })
  }
  return changes
}
