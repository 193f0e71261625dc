import { retrying, XfnError } from '@xfn/core'
import type { Desired } from './desired.js'
import type { Observed } from './observe.js'
import type { ApplyContext, Change } from './plan.js'

/*
 * Blob triggers on Flex Consumption: the host hears of new blobs only from Event Grid, so each
 * blob function gets a subscription on the storage account's system topic that calls the host's
 * blob webhook with the host's `blobs_extension` key, filtered to its container, prefix and suffix.
 */

export const blobPhase = { topic: 3, subscription: 7, deleteSubscription: 7.5, deleteTopic: 8 } as const

const webhookPath = '/runtime/webhooks/blobs'

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
      phase: blobPhase.topic,
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
    const current = observed.blobSubscriptions.get(name)
    const same =
      current !== undefined &&
      host !== undefined &&
      current.endpointBaseUrl === `https://${host}${webhookPath}` &&
      current.subjectBeginsWith === subscription.subjectBeginsWith &&
      (current.subjectEndsWith ?? '') === subscription.subjectEndsWith
    if (same) continue
    changes.push({
      action: current ? 'update' : 'create',
      kind: 'event-subscription',
      name,
      reason: `new blobs under ${subscription.subjectBeginsWith.replace('/blobServices/default/containers/', '').replace('/blobs/', '/')}*${subscription.subjectEndsWith} call ${subscription.function}`,
      phase: blobPhase.subscription,
      run: async (context) => {
        const { clients, facts, poll } = context
        const key = await blobsExtensionKey(context)
        const url = `https://${facts.defaultHostName}${webhookPath}?functionName=Host.Functions.${subscription.function}&code=${key}`
        await clients.events.systemTopicEventSubscriptions.beginCreateOrUpdateAndWait(
          rg,
          layout.blobTopic,
          name,
          {
            destination: { endpointType: 'WebHook', endpointUrl: url },
            filter: {
              includedEventTypes: ['Microsoft.Storage.BlobCreated'],
              subjectBeginsWith: subscription.subjectBeginsWith,
              ...(subscription.subjectEndsWith ? { subjectEndsWith: subscription.subjectEndsWith } : {}),
            },
            eventDeliverySchema: 'EventGridSchema',
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
        phase: blobPhase.deleteSubscription,
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
    phase: blobPhase.deleteTopic,
    run: async ({ clients, poll }) => {
      await clients.events.systemTopics.beginDeleteAndWait(layout.resourceGroup, layout.blobTopic, poll)
    },
  }
}

/** The host has not made its blobs_extension key yet. */
class KeyNotReady extends Error {}

/**
 * The host's `blobs_extension` key, which the host makes when it first starts with a blob
 * trigger: so it is asked for after the publish, and waited for (1 s doubling to 16 s).
 */
async function blobsExtensionKey({ clients, desired, facts, sleep, publishTimeoutMs }: ApplyContext) {
  const { layout } = desired
  facts.blobsExtensionKey ??= await retrying(
    async () => {
      const keys = await clients.web.webApps.listHostKeys(layout.resourceGroup, layout.functionApp)
      const key = keys.systemKeys?.blobs_extension
      if (!key) throw new KeyNotReady()
      return key
    },
    (error) => error instanceof KeyNotReady,
    { timeoutMs: publishTimeoutMs, sleep },
  ).catch((error: unknown) => {
    if (!(error instanceof KeyNotReady)) throw error
    throw new XfnError(
      'CLOUD_ERROR',
      `The Function App ${layout.functionApp} has not made its blobs_extension key (the host does when it first starts with a blob trigger); run the deploy again in a minute.`,
    )
  })
  return facts.blobsExtensionKey
}
