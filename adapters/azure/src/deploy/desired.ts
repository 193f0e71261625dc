import { createHmac } from 'node:crypto'
import {
  apiKeyHashSetting,
  defaultReleasesKept,
  hashApiKey,
  type Manifest,
  ownerTags,
  type ReleaseShape,
  releaseShape,
  settingsDigest,
  XfnError,
} from '@xfn/core'
import { azureBlobFunctions } from '../runtime/blob-functions.js'
import { keyVaultSetting, storageAccountSetting } from '../runtime/resources.js'
import { attributeKey, topicsSetting } from '../runtime/topics.js'
import { type AzureLayout, type AzureTarget, azureLayout } from './target.js'

/** What `xfn build --cloud azure` made: the manifest and the Function App zip. */
export interface AzureBuild {
  readonly manifest: Manifest
  readonly zip: Uint8Array
  readonly sha256: string
}

/** Flex Consumption (the default) or Linux Consumption. */
export type HostingPlan = 'flex' | 'consumption'

export interface AzureDeployOptions {
  readonly plan?: HostingPlan | undefined
  /** Flex Consumption: the most instances the app scales out to (default 100). */
  readonly maximumInstanceCount?: number | undefined
  /** Flex Consumption: each instance's memory, 512, 2048 or 4096 MB (default 2048). */
  readonly instanceMemoryMB?: number | undefined
  /** The app's settings for this stage (`env` of xfn.config.ts), as app settings. */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** Flex Consumption: the subnet of the app's virtual network integration (`azure.vnet`). */
  readonly subnetId?: string | undefined
  /** Where the code comes from (the git commit, and whether its tree had changes), and how many releases to keep. */
  readonly release?:
    | { readonly commit?: string; readonly dirty?: boolean; readonly keep?: number }
    | undefined
}

/** The Node.js version of the Function App: the newest that Flex and Consumption both run. */
export const nodeVersion = '22'

/** The app setting listing the settings xfn owns, so a later deploy removes only its own. */
export const managedSettingsName = 'XFN_MANAGED_SETTINGS'

/**
 * App settings Flex Consumption does not take ("Flex Consumption plan deprecations" in
 * Microsoft's app settings reference): their jobs moved to `functionAppConfig` or went away.
 */
export const settingsFlexRefuses = [
  'ENABLE_ORYX_BUILD',
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_MAX_HTTP_CONCURRENCY',
  'FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED',
  'FUNCTIONS_WORKER_PROCESS_COUNT',
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_WORKER_RUNTIME_VERSION',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTOVERVNET',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_DNS_SERVER',
  'WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_SKIP_CONTENTSHARE_VALIDATION',
  'WEBSITE_VNET_ROUTE_ALL',
]

/** The state a deploy should reach. */
export interface Desired {
  readonly target: AzureTarget
  readonly layout: AzureLayout
  readonly plan: HostingPlan
  readonly tags: Record<string, string>
  readonly manifest: Manifest
  readonly zip: Uint8Array
  readonly packageSha256: string
  /** Storage queues: each declared queue and its poison queue. */
  readonly queues: readonly string[]
  /** Blob containers: one per bucket. */
  readonly containers: readonly string[]
  readonly needsKey: boolean
  /** Flex Consumption: an Event Grid subscription per blob function, by name. */
  readonly blobSubscriptions: ReadonlyMap<string, BlobSubscription>
  /** An Event Grid custom topic per topic of the app. */
  readonly topics: readonly DesiredTopic[]
  /** An event subscription per topic function. */
  readonly topicSubscriptions: readonly TopicSubscription[]
  /** The topics some function publishes to, whose endpoints the app's settings hold. */
  readonly publishedTopics: readonly string[]
  readonly scale: { readonly maximumInstanceCount: number; readonly instanceMemoryMB: number }
  /** The app's settings, app settings of the Function App that xfn owns. */
  readonly settings: Readonly<Record<string, string>>
  /** The secrets the app reads, kept in its Key Vault. */
  readonly secrets: readonly string[]
  /** The subnet of its virtual network integration, if any. */
  readonly subnetId: string | undefined
  /** What the deploy records as a release, with the package and settings. */
  readonly release: {
    readonly settingsDigest: string
    readonly shape: ReleaseShape
    readonly commit: string | undefined
    readonly dirty: boolean | undefined
    readonly keep: number
  }
}

export function desiredState(
  build: AzureBuild,
  target: AzureTarget,
  options: AzureDeployOptions = {},
): Desired {
  const layout = azureLayout(target)
  const plan = options.plan ?? 'flex'
  const { manifest } = build
  const memory = options.instanceMemoryMB ?? 2048
  if (options.subnetId && plan !== 'flex')
    throw new XfnError(
      'INVALID_OPTIONS',
      "xfn.config.ts: azure.vnet needs azure.plan 'flex': Linux Consumption has no virtual network integration.",
    )
  if (![512, 2048, 4096].includes(memory))
    throw new XfnError(
      'INVALID_OPTIONS',
      `xfn.config.ts: azure.instanceMemoryMB is ${memory}; Flex Consumption offers 512, 2048 or 4096.`,
    )
  return {
    target,
    layout,
    plan,
    tags: ownerTags(target),
    manifest,
    zip: build.zip,
    packageSha256: build.sha256,
    queues: manifest.queues.flatMap((q) => [layout.queue(q.name), layout.poisonQueue(q.name)]).sort(),
    containers: manifest.buckets.map((b) => layout.container(b.name)).sort(),
    blobSubscriptions: new Map(
      manifest.functions.flatMap((fn) => {
        if (fn.trigger.type !== 'blob') return []
        const names = azureBlobFunctions(fn.name, fn.trigger.events)
        const filter = {
          subjectBeginsWith: `/blobServices/default/containers/${layout.container(fn.trigger.bucket)}/blobs/${fn.trigger.prefix}`,
          subjectEndsWith: fn.trigger.suffix,
        }
        const subscriptions: [string, BlobSubscription][] = []
        // Flex hears of new blobs only through Event Grid; Consumption's host polls instead.
        if (names.created && plan === 'flex')
          subscriptions.push([
            layout.eventSubscription(names.created),
            { function: names.created, event: 'Microsoft.Storage.BlobCreated', ...filter },
          ])
        if (names.deleted)
          subscriptions.push([
            layout.eventSubscription(names.deleted),
            { function: names.deleted, event: 'Microsoft.Storage.BlobDeleted', ...filter },
          ])
        return subscriptions
      }),
    ),
    ...topicsOf(manifest, layout),
    needsKey: manifest.functions.some((fn) => fn.trigger.type === 'http' && fn.trigger.auth === 'key'),
    scale: { maximumInstanceCount: options.maximumInstanceCount ?? 100, instanceMemoryMB: memory },
    settings: options.env ?? {},
    secrets: (manifest.secrets ?? []).map((s) => s.name),
    subnetId: options.subnetId,
    release: {
      settingsDigest: settingsDigest(options.env ?? {}),
      shape: releaseShape(manifest),
      commit: options.release?.commit,
      dirty: options.release?.dirty,
      keep: options.release?.keep ?? defaultReleasesKept,
    },
  }
}

export interface DesiredTopic {
  readonly logical: string
  readonly name: string
}

/**
 * One topic function's subscription to its topic's events: the function's filter as advanced
 * filters on the message's attributes (Event Grid's `StringIn`), its retries as the subscription's
 * delivery attempts.
 */
export interface TopicSubscription {
  readonly topic: DesiredTopic
  readonly name: string
  readonly function: string
  readonly maxDeliveryAttempts: number
  readonly advancedFilters: readonly {
    readonly operatorType: 'StringIn'
    readonly key: string
    readonly values: readonly string[]
  }[]
}

function topicsOf(manifest: Manifest, layout: AzureLayout) {
  const topics = (manifest.topics ?? []).map((t) => ({ logical: t.name, name: layout.topic(t.name) }))
  const topicSubscriptions = manifest.functions.flatMap((fn): TopicSubscription[] => {
    const { trigger } = fn
    if (trigger.type !== 'topic') return []
    const topic = topics.find((t) => t.logical === trigger.topic)
    if (!topic) throw new Error(`topic '${trigger.topic}' is missing from the manifest's topics`)
    return [
      {
        topic,
        name: layout.eventSubscription(fn.name),
        function: fn.name,
        maxDeliveryAttempts: trigger.maxAttempts,
        advancedFilters: Object.keys(trigger.filter)
          .sort()
          .map((name) => ({
            operatorType: 'StringIn',
            key: attributeKey(name),
            values: trigger.filter[name] ?? [],
          })),
      },
    ]
  })
  const publishedTopics = [
    ...new Set(
      manifest.functions.flatMap((fn) => fn.uses.filter((g) => g.resource === 'topic').map((g) => g.name)),
    ),
  ].sort()
  return { topics, topicSubscriptions, publishedTopics }
}

/**
 * Which blob events one Azure function hears of, through Event Grid: creations call the host's
 * blob webhook (Flex), deletions its Event Grid webhook (both plans).
 */
export interface BlobSubscription {
  readonly function: string
  readonly event: 'Microsoft.Storage.BlobCreated' | 'Microsoft.Storage.BlobDeleted'
  readonly subjectBeginsWith: string
  readonly subjectEndsWith: string
}

/** What the settings hold that is known once the storage account, Application Insights and the topics exist. */
export interface Secrets {
  readonly insightsConnection: string
  readonly apiKey: string
  /** Each topic's publishing endpoint, by its logical name. */
  readonly topics: Readonly<Record<string, { readonly endpoint: string }>>
  /** The app's Key Vault, when it reads secrets. */
  readonly vaultUri: string | undefined
}

/**
 * The app's key for `auth: 'key'` routes, derived from the storage account's first key: no copy
 * of it is kept anywhere, the same deploy prints the same key, and rotating key1 rotates it.
 */
export function deriveApiKey(storageKey: string, target: AzureTarget): string {
  return createHmac('sha256', storageKey)
    .update(`xfn-api-key/${target.app}/${target.stage}`)
    .digest('base64url')
    .slice(0, 40)
}

/**
 * The app settings xfn owns, with their values. The host, the triggers and the app's own clients
 * reach the storage account with the Function App's identity (an identity-based connection:
 * `AzureWebJobsStorage__accountName`), so no account key is in the settings.
 */
export function xfnSettings(desired: Desired, secrets: Secrets): Record<string, string> {
  const settings: Record<string, string> = {
    ...desired.settings,
    [storageAccountSetting]: desired.layout.storageAccount,
    APPLICATIONINSIGHTS_CONNECTION_STRING: secrets.insightsConnection,
    // Telemetry is sent with the Function App's identity (Entra ID authentication).
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
  }
  if (desired.plan === 'consumption') {
    settings.FUNCTIONS_EXTENSION_VERSION = '~4'
    settings.FUNCTIONS_WORKER_RUNTIME = 'node'
  }
  if (desired.needsKey) settings[apiKeyHashSetting] = hashApiKey(secrets.apiKey)
  if (desired.secrets.length > 0) settings[keyVaultSetting] = secrets.vaultUri ?? ''
  if (desired.publishedTopics.length > 0)
    settings[topicsSetting] = JSON.stringify(
      Object.fromEntries(desired.publishedTopics.map((name) => [name, secrets.topics[name] ?? null])),
    )
  settings[managedSettingsName] = [...Object.keys(settings), managedSettingsName].sort().join(',')
  return settings
}

/**
 * The Function App's settings after a deploy: the user's own kept, xfn's set, and the ones xfn
 * set before but no longer needs removed. The Consumption package URL is not in xfn's list:
 * publishing sets it, and a settings change leaves it as it is.
 */
export function mergeSettings(
  current: Record<string, string>,
  ours: Record<string, string>,
): Record<string, string> {
  const previouslyOurs = new Set((current[managedSettingsName] ?? '').split(',').filter(Boolean))
  const merged: Record<string, string> = {}
  for (const [name, value] of Object.entries(current)) if (!previouslyOurs.has(name)) merged[name] = value
  return { ...merged, ...ours }
}

/** The site's `functionAppConfig` on Flex Consumption. */
export function flexConfig(desired: Desired, blobEndpoint: string) {
  return {
    deployment: {
      storage: {
        type: 'blobContainer',
        value: `${blobEndpoint.replace(/\/?$/, '/')}${desired.layout.deploymentContainer}`,
        // The package is read with the Function App's own identity.
        authentication: { type: 'SystemAssignedIdentity' },
      },
    },
    runtime: { name: 'node', version: nodeVersion },
    scaleAndConcurrency: desired.scale,
  }
}
