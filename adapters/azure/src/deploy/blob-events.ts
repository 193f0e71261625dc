import { retrying, XfnError } from '@xfn/core'
import type { ApplyContext, Change } from './apply-context.js'
import type { Desired } from './desired.js'
import type { Observed } from './observe.js'

/*
 * Blob events through Event Grid. On Flex Consumption the host hears of new blobs only from Event
 * Grid, so each blob function gets a subscription on the storage account's system topic that calls
 * the host's blob webhook with the host's `blobs_extension` key; deletions, which no blob trigger
 * sees, go on both plans to the function's Event Grid trigger through the host's Event Grid
 * webhook with its `eventgrid_extension` key. Each is filtered to its container, prefix and suffix.
 */

export const eventPhase = { topic: 3, subscription: 7, deleteSubscription: 7.5, deleteTopic: 8 } as const

/** Where the host takes each kind of event, with which system key and function parameter. */
const webhooks = {
  'Microsoft.Storage.BlobCreated': {
    path: '/runtime/webhooks/blobs',
    key: 'blobs_extension',
    functionName: (fn: string) => `Host.Functions.${fn}`,
  },
  'Microsoft.Storage.BlobDeleted': {
    path: '/runtime/webhooks/eventgrid',
    key: 'eventgrid_extension',
    functionName: (fn: string) => fn,
  },
} as const

/**
 * Deletions that keep failing are kept as blobs in this container of the app's storage account
 * (Event Grid's dead-lettering), after Event Grid's retries (up to 30 deliveries over 24 hours).
 */
export const deadLetterContainer = 'xfn-dead-letters'

export function planBlobEvents(desired: Desired, observed: Observed): Change[] {
  const { layout, tags, target } = desired
  const rg = layout.resourceGroup
  const changes: Change[] = []
  const wanted = desired.blobSubscriptions
  if (wanted.size > 0 && !observed.blobTopic)
    changes.push({
      action: 'create',
      kind: 'event-topic',
      name: layout.blobTopic,
      reason: "the storage account's events, which tell Flex Consumption of new blobs",
      phase: eventPhase.topic,
      run: async ({ clients, poll }) => {
        await clients.events.systemTopics.beginCreateOrUpdateAndWait(
          rg,
          layout.blobTopic,
          {
            location: target.location,
            tags,
            source: layout.storageId,
            topicType: 'Microsoft.Storage.StorageAccounts',
          },
          poll,
        )
      },
    })
  const host = observed.site?.defaultHostName
  for (const [name, subscription] of wanted) {
    const webhook = webhooks[subscription.event]
    const current = observed.blobSubscriptions.get(name)
    const same =
      current !== undefined &&
      host !== undefined &&
      current.endpointBaseUrl === `https://${host}${webhook.path}` &&
      current.subjectBeginsWith === subscription.subjectBeginsWith &&
      (current.subjectEndsWith ?? '') === subscription.subjectEndsWith &&
      sameList(current.includedEventTypes, [subscription.event])
    if (same) continue
    const deletions = subscription.event === 'Microsoft.Storage.BlobDeleted'
    changes.push({
      action: current ? 'update' : 'create',
      kind: 'event-subscription',
      name,
      reason: `${deletions ? 'deleted' : 'new'} blobs under ${subscription.subjectBeginsWith.replace('/blobServices/default/containers/', '').replace('/blobs/', '/')}*${subscription.subjectEndsWith} call ${subscription.function}`,
      phase: eventPhase.subscription,
      run: async (context) => {
        const { clients, facts, poll } = context
        const key = await systemKey(context, webhook.key)
        const url = `https://${facts.defaultHostName}${webhook.path}?functionName=${webhook.functionName(subscription.function)}&code=${key}`
        await clients.events.systemTopicEventSubscriptions.beginCreateOrUpdateAndWait(
          rg,
          layout.blobTopic,
          name,
          {
            destination: { endpointType: 'WebHook', endpointUrl: url },
            filter: {
              includedEventTypes: [subscription.event],
              subjectBeginsWith: subscription.subjectBeginsWith,
              ...(subscription.subjectEndsWith ? { subjectEndsWith: subscription.subjectEndsWith } : {}),
            },
            eventDeliverySchema: 'EventGridSchema',
            ...(deletions
              ? {
                  retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
                  deadLetterDestination: {
                    endpointType: 'StorageBlob',
                    resourceId: layout.storageId,
                    blobContainerName: deadLetterContainer,
                  },
                }
              : {}),
          },
          poll,
        )
      },
    })
  }
  for (const name of observed.blobSubscriptions.keys())
    if (name.startsWith('xfn-') && !wanted.has(name))
      changes.push({
        action: 'delete',
        kind: 'event-subscription',
        name,
        reason: 'its blob function is gone',
        phase: eventPhase.deleteSubscription,
        run: async ({ clients, poll }) => {
          await clients.events.systemTopicEventSubscriptions.beginDeleteAndWait(
            rg,
            layout.blobTopic,
            name,
            poll,
          )
        },
      })
  if (wanted.size === 0 && observed.blobTopic) changes.push(deleteBlobTopic(desired))
  return changes
}

export function deleteBlobTopic(desired: Desired): Change {
  const { layout } = desired
  return {
    action: 'delete',
    kind: 'event-topic',
    name: layout.blobTopic,
    reason: 'no blob function needs it',
    phase: eventPhase.deleteTopic,
    run: async ({ clients, poll }) => {
      await clients.events.systemTopics.beginDeleteAndWait(layout.resourceGroup, layout.blobTopic, poll)
    },
  }
}

/** The host has not made the system key yet. */
class KeyNotReady extends Error {}

/**
 * A system key of the host (`blobs_extension`, `eventgrid_extension`), which the host makes when
 * it first starts with a trigger that needs it: so it is asked for after the publish, and waited
 * for (1 s doubling to 16 s).
 */
export async function systemKey(
  { clients, desired, facts, sleep, publishTimeoutMs }: ApplyContext,
  name: 'blobs_extension' | 'eventgrid_extension',
) {
  const { layout } = desired
  facts.systemKeys ??= {}
  facts.systemKeys[name] ??= await retrying(
    async () => {
      const keys = await clients.web.webApps.listHostKeys(layout.resourceGroup, layout.functionApp)
      const key = keys.systemKeys?.[name]
      if (!key) throw new KeyNotReady()
      return key
    },
    (error) => error instanceof KeyNotReady,
    { timeoutMs: publishTimeoutMs, sleep },
  ).catch((error: unknown) => {
    if (!(error instanceof KeyNotReady)) throw error
    throw new XfnError(
      'CLOUD_ERROR',
      `The Function App ${layout.functionApp} has not made its ${name} key (the host does when it first starts with a trigger that needs it); run the deploy again in a minute.`,
    )
  })
  return facts.systemKeys[name]
}

export function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return (a ?? []).length === b.length && b.every((item) => a?.includes(item))
}
