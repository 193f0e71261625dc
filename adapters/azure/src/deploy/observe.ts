import { type NameTarget, ownedBy } from '@xfn/core'
import type { AzureClients } from './clients.js'
import { ifExists } from './errors.js'
import { keyVaultApiVersion, signedInPrincipal, vaultSecrets } from './key-vault.js'
import { type AzureRelease, readReleases } from './releases.js'
import { roleAssignmentApiVersion, roleAssignmentId, roles } from './role-assignments.js'
import { type AzureLayout, byId } from './target.js'

/** The API version of Application Insights components, which xfn reads and writes generically. */
export const insightsApiVersion = '2020-02-02'

/** What exists of an app and stage on Azure, read from Resource Manager. */
export interface Observed {
  readonly group: { readonly tags: Record<string, string> } | undefined
  readonly storage:
    | {
        readonly tags: Record<string, string>
        readonly blobEndpoint: string
        readonly key: string
      }
    | undefined
  /** Blob containers and storage queues of the account, with their metadata. */
  readonly containers: ReadonlyMap<string, Record<string, string>>
  readonly queues: ReadonlyMap<string, Record<string, string>>
  readonly workspace: { readonly tags: Record<string, string> } | undefined
  readonly insights: { readonly tags: Record<string, string>; readonly connectionString: string } | undefined
  readonly plan: { readonly tags: Record<string, string>; readonly sku: string } | undefined
  readonly site: ObservedSite | undefined
  /** The Event Grid system topic of the storage account, and its subscriptions by name. */
  readonly blobTopic: { readonly tags: Record<string, string> } | undefined
  readonly blobSubscriptions: ReadonlyMap<string, ObservedSubscription>
  /** The app's Event Grid custom topics by name, with their subscriptions by name. */
  readonly topics: ReadonlyMap<string, ObservedTopic>
  /** The app's Key Vault, a soft-deleted one of its name, and the role assignments on it. */
  readonly keyVault: { readonly vaultUri: string } | undefined
  readonly deletedKeyVault: boolean
  readonly roleAssignments: ReadonlySet<string>
  /** The names of the vault's secrets, when xfn may list them. */
  readonly vaultSecrets: ReadonlySet<string> | undefined
  /** The identity deploying, when the app reads secrets. */
  readonly principal: { readonly objectId: string; readonly tenantId: string } | undefined
  /** The app's recorded releases, oldest first. */
  readonly releases: readonly AzureRelease[]
  /** Globally unique names that another subscription already holds, for resources not yet made. */
  readonly takenNames: readonly string[]
}

export interface ObservedSubscription {
  /** The webhook's URL without its query (Event Grid never returns the key in it). */
  readonly endpointBaseUrl: string | undefined
  readonly subjectBeginsWith: string | undefined
  readonly subjectEndsWith: string | undefined
  readonly includedEventTypes: readonly string[] | undefined
}

export interface ObservedTopic {
  readonly logical: string
  readonly endpoint: string
  readonly subscriptions: ReadonlyMap<string, ObservedTopicSubscription>
}

export interface ObservedTopicSubscription {
  readonly endpointBaseUrl: string | undefined
  readonly includedEventTypes: readonly string[] | undefined
  readonly advancedFilters: readonly { operatorType: string; key: string; values: readonly string[] }[]
  readonly maxDeliveryAttempts: number | undefined
  readonly deadLetterContainer: string | undefined
}

export interface ObservedSite {
  readonly tags: Record<string, string>
  readonly state: string | undefined
  readonly serverFarmId: string | undefined
  readonly defaultHostName: string | undefined
  readonly scmHostName: string | undefined
  readonly functionAppConfig: unknown
  readonly linuxFxVersion: string | undefined
  readonly lastModified: string | undefined
  readonly settings: Record<string, string>
  /** The principal of its system-assigned identity, when it has one. */
  readonly principalId: string | undefined
  /** The subnet of its virtual network integration, if any. */
  readonly subnetId: string | undefined
}

const none: Observed = {
  group: undefined,
  storage: undefined,
  containers: new Map(),
  queues: new Map(),
  workspace: undefined,
  insights: undefined,
  plan: undefined,
  site: undefined,
  blobTopic: undefined,
  blobSubscriptions: new Map(),
  topics: new Map(),
  keyVault: undefined,
  deletedKeyVault: false,
  roleAssignments: new Set(),
  vaultSecrets: undefined,
  principal: undefined,
  releases: [],
  takenNames: [],
}

/** Reads everything a plan compares against. Read-only; a missing resource group ends it at once. */
export async function observe(
  clients: AzureClients,
  layout: AzureLayout,
  target: NameTarget,
  options: { readonly secrets?: boolean } = {},
): Promise<Observed> {
  const rg = layout.resourceGroup
  const group = await ifExists(() => clients.resources.resourceGroups.get(rg))
  if (!group)
    return {
      ...none,
      ...(options.secrets ? await observeKeyVault(clients, layout, { secrets: true }) : {}),
      takenNames: await takenNames(clients, layout, { storage: false, site: false }),
    }
  const [storage, workspace, insights, plan, site, blobs, topics] = await Promise.all([
    observeStorage(clients, rg, layout.storageAccount),
    ifExists(() => clients.workspaces.workspaces.get(rg, layout.workspace)),
    ifExists(() => clients.resources.resources.getById(byId(layout.insightsId), insightsApiVersion)),
    ifExists(() => clients.web.appServicePlans.get(rg, layout.plan)),
    observeSite(clients, rg, layout.functionApp),
    observeBlobEvents(clients, rg, layout.blobTopic),
    observeTopics(clients, layout, target),
  ])
  const [keyVault, releases] = await Promise.all([
    observeKeyVault(clients, layout, { secrets: options.secrets ?? false, site }),
    readReleases(layout, {
      blobEndpoint: storage.storage?.blobEndpoint,
      storageKey: storage.storage?.key,
    }),
  ])
  // The Function App identity's roles: on the storage account and Application Insights, and to
  // publish to each topic.
  const principalId = site?.principalId
  const storageRoles = await existingIds(
    clients,
    principalId
      ? [
          ...[roles.storageBlobDataOwner, roles.storageQueueDataContributor].map((role) =>
            roleAssignmentId(layout.storageId, principalId, role),
          ),
          roleAssignmentId(layout.insightsId, principalId, roles.monitoringMetricsPublisher),
          ...[...topics.keys()].map((name) =>
            roleAssignmentId(layout.topicId(name), principalId, roles.eventGridDataSender),
          ),
        ]
      : [],
  )
  return {
    group: { tags: group.tags ?? {} },
    ...storage,
    workspace: workspace && { tags: workspace.tags ?? {} },
    insights: insights && {
      tags: insights.tags ?? {},
      connectionString: String(
        (insights.properties as { ConnectionString?: string })?.ConnectionString ?? '',
      ),
    },
    plan: plan && { tags: plan.tags ?? {}, sku: plan.sku?.name ?? '' },
    site,
    ...blobs,
    topics,
    ...keyVault,
    roleAssignments: new Set([...keyVault.roleAssignments, ...storageRoles]),
    releases,
    takenNames: await takenNames(clients, layout, { storage: Boolean(storage.storage), site: Boolean(site) }),
  }
}

/** Storage account and Function App names are global: checks the ones xfn has yet to make. */
async function takenNames(
  clients: AzureClients,
  layout: AzureLayout,
  exists: { storage: boolean; site: boolean },
) {
  const [storage, site] = await Promise.all([
    exists.storage
      ? undefined
      : clients.storage.storageAccounts.checkNameAvailability({
          name: layout.storageAccount,
          type: 'Microsoft.Storage/storageAccounts',
        }),
    exists.site ? undefined : clients.web.checkNameAvailability(layout.functionApp, 'Site'),
  ])
  return [
    ...(storage && storage.nameAvailable === false ? [`storage account ${layout.storageAccount}`] : []),
    ...(site && site.nameAvailable === false ? [`Function App ${layout.functionApp}`] : []),
  ]
}

async function observeStorage(clients: AzureClients, rg: string, account: string) {
  const found = await ifExists(() => clients.storage.storageAccounts.getProperties(rg, account))
  if (!found) return { storage: undefined, containers: new Map(), queues: new Map() }
  const [keys, containers, queues] = await Promise.all([
    clients.storage.storageAccounts.listKeys(rg, account),
    collect(clients.storage.blobContainers.list(rg, account)),
    collect(clients.storage.queue.list(rg, account)),
  ])
  return {
    storage: {
      tags: found.tags ?? {},
      blobEndpoint: found.primaryEndpoints?.blob ?? `https://${account}.blob.core.windows.net/`,
      key: keys.keys?.[0]?.value ?? '',
    },
    containers: new Map(
      containers.map((c) => [c.name ?? '', (c as { metadata?: Record<string, string> }).metadata ?? {}]),
    ),
    queues: new Map(
      queues.map((q) => [q.name ?? '', (q as { metadata?: Record<string, string> }).metadata ?? {}]),
    ),
  }
}

/**
 * What listing and rolling back releases need, read without the rest: the site (its tags and
 * settings), the storage account's blob endpoint and key, and the releases kept there.
 */
export async function observeReleases(clients: AzureClients, layout: AzureLayout) {
  const rg = layout.resourceGroup
  const [site, account, keys] = await Promise.all([
    observeSite(clients, rg, layout.functionApp),
    ifExists(() => clients.storage.storageAccounts.getProperties(rg, layout.storageAccount)),
    ifExists(() => clients.storage.storageAccounts.listKeys(rg, layout.storageAccount)),
  ])
  const storage = { blobEndpoint: account?.primaryEndpoints?.blob, storageKey: keys?.keys?.[0]?.value }
  return { site, storage, releases: await readReleases(layout, storage) }
}

async function observeSite(
  clients: AzureClients,
  rg: string,
  name: string,
): Promise<ObservedSite | undefined> {
  const site = await ifExists(() => clients.web.webApps.get(rg, name))
  if (!site) return undefined
  const [settings, config] = await Promise.all([
    clients.web.webApps.listApplicationSettings(rg, name),
    // The site's own siteConfig is sparse (its linuxFxVersion is null); config/web has it.
    clients.web.webApps.getConfiguration(rg, name),
  ])
  return {
    tags: site.tags ?? {},
    state: site.state,
    serverFarmId: site.serverFarmId,
    defaultHostName: site.defaultHostName,
    scmHostName: site.hostNameSslStates?.find((h) => h.hostType === 'Repository')?.name,
    functionAppConfig: site.functionAppConfig,
    linuxFxVersion: config.linuxFxVersion,
    lastModified: site.lastModifiedTimeUtc && new Date(site.lastModifiedTimeUtc).toISOString(),
    settings: settings.properties ?? {},
    principalId: site.identity?.principalId,
    subnetId: site.virtualNetworkSubnetId ?? undefined,
  }
}

async function observeBlobEvents(clients: AzureClients, rg: string, topic: string) {
  const found = await ifExists(() => clients.events.systemTopics.get(rg, topic))
  if (!found) return { blobTopic: undefined, blobSubscriptions: new Map<string, ObservedSubscription>() }
  const subscriptions = await collect(
    clients.events.systemTopicEventSubscriptions.listBySystemTopic(rg, topic),
  )
  return {
    blobTopic: { tags: found.tags ?? {} },
    blobSubscriptions: new Map(
      subscriptions.map((s) => [
        s.name ?? '',
        {
          endpointBaseUrl: (s.destination as { endpointBaseUrl?: string } | undefined)?.endpointBaseUrl,
          subjectBeginsWith: s.filter?.subjectBeginsWith,
          subjectEndsWith: s.filter?.subjectEndsWith || undefined,
          includedEventTypes: s.filter?.includedEventTypes,
        },
      ]),
    ),
  }
}

/** The app's topics: those of its resource group named with its hash and tagged as the app's. */
async function observeTopics(clients: AzureClients, layout: AzureLayout, target: NameTarget) {
  const rg = layout.resourceGroup
  const suffix = layout.topic('')
  const found = (await collect(clients.events.topics.listByResourceGroup(rg))).filter(
    (t) => t.name?.endsWith(suffix) && ownedBy(t.tags, target),
  )
  const topics = new Map<string, ObservedTopic>()
  await Promise.all(
    found.map(async (topic) => {
      const name = topic.name ?? ''
      const subscriptions = await collect(clients.events.topicEventSubscriptions.list(rg, name))
      topics.set(name, {
        logical: name.slice(0, -suffix.length),
        endpoint: topic.endpoint ?? '',
        subscriptions: new Map(
          subscriptions.map((s) => [
            s.name ?? '',
            {
              endpointBaseUrl: (s.destination as { endpointBaseUrl?: string } | undefined)?.endpointBaseUrl,
              includedEventTypes: s.filter?.includedEventTypes,
              advancedFilters: (s.filter?.advancedFilters ?? []).map((f) => ({
                operatorType: f.operatorType,
                key: f.key ?? '',
                values: (f as { values?: string[] }).values ?? [],
              })),
              maxDeliveryAttempts: s.retryPolicy?.maxDeliveryAttempts,
              deadLetterContainer: (s.deadLetterDestination as { blobContainerName?: string } | undefined)
                ?.blobContainerName,
            },
          ]),
        ),
      })
    }),
  )
  return topics
}

/**
 * The app's Key Vault. When the app reads secrets: also the deploying identity, a soft-deleted
 * vault of the same name, the role assignments xfn makes, and the names of the secrets, when the
 * deploying identity may list them.
 */
async function observeKeyVault(
  clients: AzureClients,
  layout: AzureLayout,
  { secrets, site }: { secrets: boolean; site?: ObservedSite | undefined },
) {
  const found = await ifExists(() =>
    clients.resources.resources.getById(byId(layout.keyVaultId), keyVaultApiVersion),
  )
  const keyVault = found && { vaultUri: String((found.properties as { vaultUri?: string })?.vaultUri ?? '') }
  if (!secrets)
    return {
      keyVault,
      principal: undefined,
      deletedKeyVault: false,
      roleAssignments: new Set<string>(),
      vaultSecrets: undefined,
    }
  const principal = await signedInPrincipal(clients)
  const deletedKeyVault =
    !keyVault &&
    (await ifExists(() =>
      clients.resources.resources.getById(byId(layout.deletedKeyVaultId), keyVaultApiVersion),
    )) !== undefined
  const wanted = [
    roleAssignmentId(layout.keyVaultId, principal.objectId, roles.keyVaultSecretsOfficer),
    ...(site?.principalId
      ? [roleAssignmentId(layout.keyVaultId, site.principalId, roles.keyVaultSecretsUser)]
      : []),
  ]
  const roleAssignments = keyVault ? await existingIds(clients, wanted) : new Set<string>()
  let vaultSecretNames: Set<string> | undefined
  if (keyVault && roleAssignments.has(wanted[0] ?? ''))
    vaultSecretNames = await vaultSecrets(clients, keyVault.vaultUri)
      .list()
      .then((listed) => new Set(listed.map((s) => s.name)))
      // Not readable (yet): the deploy checks after it has made its role assignments.
      .catch(() => undefined)
  return { keyVault, principal, deletedKeyVault, roleAssignments, vaultSecrets: vaultSecretNames }
}

/** Which of these role assignments exist. */
async function existingIds(clients: AzureClients, ids: readonly string[]): Promise<Set<string>> {
  const found = await Promise.all(
    ids.map(async (id) =>
      (await ifExists(() => clients.resources.resources.getById(byId(id), roleAssignmentApiVersion)))
        ? id
        : undefined,
    ),
  )
  return new Set(found.filter((id) => id !== undefined))
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}
