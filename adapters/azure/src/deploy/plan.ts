import { ownedBy, XfnError } from '@xfn/core'
import type { Change, Facts } from './apply-context.js'
import { deadLetterContainer, deleteBlobTopic, eventPhase, planBlobEvents } from './blob-events.js'
import {
  type Desired,
  deriveApiKey,
  flexConfig,
  mergeSettings,
  nodeVersion,
  type Secrets,
  settingsFlexRefuses,
  xfnSettings,
} from './desired.js'
import { keyVaultApiVersion, planKeyVault } from './key-vault.js'
import { insightsApiVersion, type Observed } from './observe.js'
import { publishPackage } from './publish.js'
import { releaseChanges } from './releases.js'
import { assignRole, roles } from './role-assignments.js'
import { byId, destroyCommand, packageTag } from './target.js'
import { planTopics } from './topic-events.js'

export type { ApplyContext, Change, Facts } from './apply-context.js'

/** After the site (its identity), before the publish (which reads the package with it). */
const storageRolePhase = 4.5

const phase = {
  group: 1,
  storage: 2,
  workspace: 2,
  plan: 2,
  container: 3,
  queue: 3,
  insights: 3,
  site: 4,
  settings: 5,
  publish: 6,
  release: 6.5,
  removed: 7,
  deleteSite: 10,
  deletePlan: 11,
  deleteInsights: 11,
  deleteWorkspace: 12,
  deleteStorage: 12,
  deleteGroup: 13,
} as const

/** The facts known before anything is applied. */
export function initialFacts(observed: Observed): Facts {
  return {
    storageKey: observed.storage?.key,
    blobEndpoint: observed.storage?.blobEndpoint,
    insightsConnection: observed.insights?.connectionString,
    defaultHostName: observed.site?.defaultHostName,
    scmHostName: observed.site?.scmHostName,
    topics: new Map([...observed.topics.values()].map((t) => [t.logical, { endpoint: t.endpoint }])),
    vaultUri: observed.keyVault?.vaultUri,
    principalId: observed.site?.principalId,
    systemKeys: undefined,
  }
}

/** The secrets the settings hold, from what exists or was just made. */
export function secretsOf(desired: Desired, facts: Facts): Secrets {
  const key = facts.storageKey ?? ''
  return {
    insightsConnection: facts.insightsConnection ?? '',
    apiKey: deriveApiKey(key, desired.target),
    topics: Object.fromEntries(facts.topics),
    vaultUri: facts.vaultUri,
  }
}

/** The changes that take what exists to what is desired: pure over what was observed. */
export function planChanges(desired: Desired, observed: Observed): Change[] {
  const { layout, target, tags } = desired
  const rg = layout.resourceGroup
  const location = target.location
  if (observed.takenNames.length > 0)
    throw new XfnError(
      'CLOUD_ERROR',
      `The ${observed.takenNames.join(' and the ')} name(s) derived for ${target.app} (${target.stage}) are taken by another Azure subscription: these names are global. Deploy under another stage (--stage) or app name.`,
    )
  const changes: Change[] = []
  const create = (kind: string, name: string, reason: string, p: number, run: Change['run']) =>
    changes.push({ action: 'create', kind, name, reason, phase: p, run })

  if (!observed.group)
    create(
      'resource-group',
      rg,
      'holds every resource of the app and stage',
      phase.group,
      async ({ clients }) => {
        await clients.resources.resourceGroups.createOrUpdate(rg, { location, tags })
      },
    )
  if (!observed.storage)
    create(
      'storage-account',
      layout.storageAccount,
      'queues, buckets, and the Functions host',
      phase.storage,
      async ({ clients, facts, poll }) => {
        const account = await clients.storage.storageAccounts.beginCreateAndWait(
          rg,
          layout.storageAccount,
          {
            location,
            tags,
            sku: { name: 'Standard_LRS' },
            kind: 'StorageV2',
            minimumTlsVersion: 'TLS1_2',
            allowBlobPublicAccess: false,
            enableHttpsTrafficOnly: true,
          },
          poll,
        )
        const keys = await clients.storage.storageAccounts.listKeys(rg, layout.storageAccount)
        facts.storageKey = keys.keys?.[0]?.value
        facts.blobEndpoint = account.primaryEndpoints?.blob
      },
    )
  if (!observed.workspace)
    create(
      'log-workspace',
      layout.workspace,
      'where Application Insights keeps logs',
      phase.workspace,
      async ({ clients, poll }) => {
        await clients.workspaces.workspaces.beginCreateOrUpdateAndWait(
          rg,
          layout.workspace,
          {
            location,
            tags,
            sku: { name: 'PerGB2018' },
            retentionInDays: 30,
          },
          poll,
        )
      },
    )
  const sku =
    desired.plan === 'flex' ? { name: 'FC1', tier: 'FlexConsumption' } : { name: 'Y1', tier: 'Dynamic' }
  if (!observed.plan)
    create(
      'hosting-plan',
      layout.plan,
      `${sku.tier} (${sku.name})`,
      phase.plan,
      async ({ clients, poll }) => {
        await clients.web.appServicePlans.beginCreateOrUpdateAndWait(
          rg,
          layout.plan,
          {
            location,
            tags,
            kind: 'functionapp',
            reserved: true,
            sku,
          },
          poll,
        )
      },
    )
  else if (observed.plan.sku !== sku.name) throw planSwitchError(desired, observed.plan.sku)

  const ownContainers = new Map<string, { readonly xfn: string; readonly purpose: string }>([
    [layout.deploymentContainer, { xfn: 'deployment', purpose: 'deployment packages' }],
  ])
  if (
    [...desired.blobSubscriptions.values()].some((s) => s.event === 'Microsoft.Storage.BlobDeleted') ||
    desired.topicSubscriptions.length > 0
  )
    ownContainers.set(deadLetterContainer, {
      xfn: 'dead-letters',
      purpose: 'blob deletions and topic messages that failed every delivery',
    })
  for (const name of desired.containers) ownContainers.set(name, { xfn: 'bucket', purpose: 'a bucket' })
  for (const [name, { xfn, purpose }] of ownContainers)
    if (!observed.containers.has(name))
      create('container', name, purpose, phase.container, async ({ clients }) => {
        await clients.storage.blobContainers.create(rg, layout.storageAccount, name, {
          publicAccess: 'None',
          metadata: { xfn },
        })
      })
  for (const name of desired.queues)
    if (!observed.queues.has(name))
      create(
        'queue',
        name,
        name.endsWith('-poison') ? 'messages that failed every attempt' : 'a queue',
        phase.queue,
        async ({ clients }) => {
          await clients.storage.queue.create(rg, layout.storageAccount, name, { metadata: { xfn: 'queue' } })
        },
      )
  for (const [name, metadata] of observed.queues)
    if (metadata.xfn === 'queue' && !desired.queues.includes(name))
      changes.push({
        action: 'delete',
        kind: 'queue',
        name,
        reason: 'no longer declared by the app',
        phase: phase.removed,
        run: async ({ clients }) => {
          await clients.storage.queue.delete(rg, layout.storageAccount, name)
        },
      })
  for (const [name, metadata] of observed.containers)
    if (metadata.xfn === 'bucket' && !desired.containers.includes(name))
      changes.push({
        action: 'update',
        kind: 'container',
        name,
        reason: 'no longer declared by the app; kept with its blobs, marked unused (xfn destroy removes it)',
        phase: phase.removed,
        run: async ({ clients, warn }) => {
          await clients.storage.blobContainers.update(rg, layout.storageAccount, name, {
            metadata: { xfn: 'unused-bucket' },
          })
          warn(`The container ${name} is no longer used by the app; it is kept with its blobs.`)
        },
      })
  if (!observed.insights)
    create(
      'app-insights',
      layout.insights,
      'logs, traces and metrics of every function',
      phase.insights,
      async ({ clients, facts, poll }) => {
        const component = await clients.resources.resources.beginCreateOrUpdateByIdAndWait(
          byId(layout.insightsId),
          insightsApiVersion,
          {
            location,
            tags,
            kind: 'web',
            properties: {
              Application_Type: 'web',
              WorkspaceResourceId: layout.workspaceId,
              IngestionMode: 'LogAnalytics',
            },
          },
          poll,
        )
        facts.insightsConnection = String(
          (component.properties as { ConnectionString?: string })?.ConnectionString ?? '',
        )
      },
    )

  planSite(desired, observed, changes)
  changes.push(...planBlobEvents(desired, observed))
  changes.push(...planTopics(desired, observed))
  changes.push(...planStorageRoles(desired, observed))
  changes.push(...planKeyVault(desired, observed))
  changes.push(...releaseChanges(desired, observed, packageTag, phase.release))
  return changes.sort((a, b) => a.phase - b.phase)
}

function planSwitchError(desired: Desired, sku: string) {
  const destroy = destroyCommand(desired.target.stage)
  return new XfnError(
    'INVALID_OPTIONS',
    `The Function App runs on the ${sku} plan and the deploy asks for ${desired.plan}; a Function App cannot move between them. Run ${destroy} first, or set azure.plan back.`,
    { commands: [destroy] },
  )
}

function siteBody(desired: Desired, facts: Facts, settings: Record<string, string>) {
  const { layout, target, tags } = desired
  return {
    location: target.location,
    tags,
    kind: 'functionapp,linux',
    reserved: true,
    httpsOnly: true,
    serverFarmId: layout.planId,
    siteConfig: {
      appSettings: Object.entries(settings).map(([name, value]) => ({ name, value })),
      minTlsVersion: '1.2',
      ftpsState: 'Disabled',
      ...(desired.plan === 'consumption' ? { linuxFxVersion: `Node|${nodeVersion}` } : {}),
    },
    ...(desired.plan === 'flex' ? { functionAppConfig: flexConfig(desired, facts.blobEndpoint ?? '') } : {}),
    ...(desired.subnetId ? { virtualNetworkSubnetId: desired.subnetId } : {}),
    // Its own identity reaches its storage account, and the app's Key Vault.
    identity: { type: 'SystemAssigned' as const },
  }
}

function planSite(desired: Desired, observed: Observed, changes: Change[]) {
  const { layout } = desired
  const rg = layout.resourceGroup
  const name = layout.functionApp
  const site = observed.site
  const publish: Change = {
    action: 'update',
    kind: 'code',
    name,
    reason: site
      ? `package ${desired.packageSha256.slice(0, 12)} replaces ${(site.tags[packageTag] ?? 'none').slice(0, 12)}`
      : `package ${desired.packageSha256.slice(0, 12)}`,
    phase: phase.publish,
    run: (context) =>
      publishPackage(
        { ...context, layout: desired.layout, plan: desired.plan },
        {
          zip: desired.zip,
          sha256: desired.packageSha256,
        },
      ),
  }
  if (!site) {
    changes.push({
      action: 'create',
      kind: 'function-app',
      name,
      reason: `${desired.manifest.functions.length} function(s) on Node.js ${nodeVersion}`,
      phase: phase.site,
      run: async ({ clients, facts, poll }) => {
        const settings = xfnSettings(desired, secretsOf(desired, facts))
        const created = await clients.web.webApps.beginCreateOrUpdateAndWait(
          rg,
          name,
          siteBody(desired, facts, settings) as never,
          poll,
        )
        facts.defaultHostName = created.defaultHostName
        facts.scmHostName = created.hostNameSslStates?.find((h) => h.hostType === 'Repository')?.name
        facts.principalId = created.identity?.principalId
      },
    })
    changes.push(publish)
    return
  }
  if ((site.subnetId ?? '').toLowerCase() !== (desired.subnetId ?? '').toLowerCase())
    changes.push({
      action: 'update',
      kind: 'function-app',
      name,
      reason: desired.subnetId
        ? `virtual network integration through ${desired.subnetId}`
        : 'no virtual network integration',
      phase: phase.site,
      run: async ({ clients, poll }) => {
        if (!desired.subnetId) return void (await clients.web.webApps.deleteSwiftVirtualNetwork(rg, name))
        // The site's PATCH body (SitePatchResource) would do, but Flex settings change by a put.
        const current = await clients.web.webApps.get(rg, name)
        await clients.web.webApps.beginCreateOrUpdateAndWait(
          rg,
          name,
          { ...current, virtualNetworkSubnetId: desired.subnetId },
          poll,
        )
      },
    })
  if (!site.principalId)
    changes.push({
      action: 'update',
      kind: 'function-app',
      name,
      reason: 'a system-assigned identity, which reaches the storage account (and the Key Vault)',
      phase: phase.site,
      run: async ({ clients, facts }) => {
        const updated = await clients.web.webApps.update(rg, name, { identity: { type: 'SystemAssigned' } })
        facts.principalId = updated.identity?.principalId
      },
    })
  const facts = initialFacts(observed)
  const wanted = siteBody(desired, facts, {})
  const drift: string[] = []
  if (site.serverFarmId?.toLowerCase() !== layout.planId.toLowerCase()) drift.push('plan')
  if (desired.plan === 'flex' && !sameFlexConfig(site.functionAppConfig, wanted.functionAppConfig))
    drift.push('scale and runtime')
  // The service upper-cases the stack it reports ("NODE|22"); it compares without case.
  if (desired.plan === 'consumption' && site.linuxFxVersion?.toLowerCase() !== `node|${nodeVersion}`)
    drift.push('runtime')
  if (drift.length > 0)
    changes.push({
      action: 'update',
      kind: 'function-app',
      name,
      reason: drift.join(', '),
      phase: phase.site,
      run: async ({ clients, poll }) => {
        if (wanted.functionAppConfig) {
          // The site's PATCH body (SitePatchResource) has no functionAppConfig, so Flex settings
          // change by reading the site and putting it back, as the Azure CLI does.
          const current = await clients.web.webApps.get(rg, name)
          await clients.web.webApps.beginCreateOrUpdateAndWait(
            rg,
            name,
            { ...current, serverFarmId: wanted.serverFarmId, functionAppConfig: wanted.functionAppConfig },
            poll,
          )
        } else
          await clients.web.webApps.update(rg, name, {
            serverFarmId: wanted.serverFarmId,
            siteConfig: { linuxFxVersion: wanted.siteConfig.linuxFxVersion },
          })
      },
    })
  const ours = xfnSettings(desired, secretsOf(desired, facts))
  const merged = mergeSettings(site.settings, ours)
  const refused = desired.plan === 'flex' ? settingsFlexRefuses.filter((name) => name in merged) : []
  if (refused.length > 0) {
    const remove = `az functionapp config appsettings delete --resource-group ${rg} --name ${name} --setting-names ${refused.join(' ')}`
    throw new XfnError(
      'INVALID_OPTIONS',
      `The Function App ${name} has app settings that Flex Consumption does not take: ${refused.join(', ')} (set outside xfn; xfn keeps the settings it did not make). Remove them with: ${remove} and deploy again.`,
    )
  }
  if (!sameJson(sorted(merged), sorted(site.settings))) {
    const changed = Object.keys(merged).filter((k) => merged[k] !== site.settings[k])
    const removed = Object.keys(site.settings).filter((k) => !(k in merged))
    changes.push({
      action: 'update',
      kind: 'app-settings',
      name,
      reason: [...changed.map((k) => `set ${k}`), ...removed.map((k) => `remove ${k}`)].join(', '),
      phase: phase.settings,
      run: async ({ clients, facts }) => {
        // Read again: the user may have changed a setting since the plan was made. xfn's own are
        // made again from what this deploy learnt, such as the key of a topic it just made.
        const current = await clients.web.webApps.listApplicationSettings(rg, name)
        await clients.web.webApps.updateApplicationSettings(rg, name, {
          properties: mergeSettings(
            current.properties ?? {},
            xfnSettings(desired, secretsOf(desired, facts)),
          ),
        })
      },
    })
  }
  if (site.tags[packageTag] !== desired.packageSha256) changes.push(publish)
}

/** The changes that remove what xfn made: the resource group when xfn made it, else each resource. */
export function planRemoval(desired: Desired, observed: Observed): Change[] {
  const { layout, target } = desired
  const rg = layout.resourceGroup
  if (!observed.group) return []
  const remove = (kind: string, name: string, p: number, run: Change['run']): Change => ({
    action: 'delete',
    kind,
    name,
    reason: 'destroy',
    phase: p,
    run,
  })
  if (ownedBy(observed.group.tags, target))
    return [
      remove('resource-group', rg, phase.deleteGroup, async ({ clients, poll }) => {
        await clients.resources.resourceGroups.beginDeleteAndWait(rg, poll)
      }),
    ]
  const changes: Change[] = []
  if (observed.site && ownedBy(observed.site.tags, target))
    changes.push(
      remove('function-app', layout.functionApp, phase.deleteSite, async ({ clients }) => {
        await clients.web.webApps.delete(rg, layout.functionApp)
      }),
    )
  if (observed.plan && ownedBy(observed.plan.tags, target))
    changes.push(
      remove('hosting-plan', layout.plan, phase.deletePlan, async ({ clients }) => {
        await clients.web.appServicePlans.delete(rg, layout.plan)
      }),
    )
  if (observed.blobTopic && ownedBy(observed.blobTopic.tags, target)) changes.push(deleteBlobTopic(desired))
  // Deleting a vault soft-deletes it, with its secrets: a later deploy of the app recovers both.
  if (observed.keyVault)
    changes.push(
      remove('key-vault', layout.keyVault, phase.deleteSite, async ({ clients, poll }) => {
        await clients.resources.resources.beginDeleteByIdAndWait(
          byId(layout.keyVaultId),
          keyVaultApiVersion,
          poll,
        )
      }),
    )
  // Only the app's own topics were observed; deleting one deletes its subscriptions.
  for (const topic of observed.topics.keys())
    changes.push(
      remove('event-topic', topic, eventPhase.deleteTopic, async ({ clients, poll }) => {
        await clients.events.topics.beginDeleteAndWait(rg, topic, poll)
      }),
    )
  if (observed.insights && ownedBy(observed.insights.tags, target))
    changes.push(
      remove('app-insights', layout.insights, phase.deleteInsights, async ({ clients, poll }) => {
        await clients.resources.resources.beginDeleteByIdAndWait(
          byId(layout.insightsId),
          insightsApiVersion,
          poll,
        )
      }),
    )
  if (observed.workspace && ownedBy(observed.workspace.tags, target))
    changes.push(
      remove('log-workspace', layout.workspace, phase.deleteWorkspace, async ({ clients, poll }) => {
        await clients.workspaces.workspaces.beginDeleteAndWait(rg, layout.workspace, { ...poll, force: true })
      }),
    )
  if (observed.storage && ownedBy(observed.storage.tags, target))
    changes.push(
      remove('storage-account', layout.storageAccount, phase.deleteStorage, async ({ clients }) => {
        await clients.storage.storageAccounts.delete(rg, layout.storageAccount)
      }),
    )
  return changes
}

/** Compares the parts of `functionAppConfig` xfn sets, ignoring what the service adds. */
function sameFlexConfig(current: unknown, wanted: ReturnType<typeof flexConfig> | undefined): boolean {
  const c = current as Partial<ReturnType<typeof flexConfig>> | undefined
  return (
    wanted !== undefined &&
    c?.runtime?.name === wanted.runtime.name &&
    c.runtime.version === wanted.runtime.version &&
    c.scaleAndConcurrency?.maximumInstanceCount === wanted.scaleAndConcurrency.maximumInstanceCount &&
    c.scaleAndConcurrency.instanceMemoryMB === wanted.scaleAndConcurrency.instanceMemoryMB &&
    c.deployment?.storage?.value === wanted.deployment.storage.value &&
    c.deployment.storage.authentication?.type === wanted.deployment.storage.authentication.type
  )
}

function sorted(record: Record<string, string>) {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)))
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined && v !== null)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    )
  return value
}

/**
 * The Function App's identity gets, on the app's storage account, what an identity-based
 * connection for the host needs (Microsoft's "Connecting to host storage with an identity"):
 * Storage Blob Data Owner (host state, blob triggers, the Flex package) and Storage Queue Data
 * Contributor (queue triggers and poison queues); and on Application Insights, Monitoring Metrics
 * Publisher, which Entra ID authentication of telemetry needs. Given after the site exists,
 * before the publish.
 */
function planStorageRoles(desired: Desired, observed: Observed): Change[] {
  const { layout } = desired
  const principal = (facts: Partial<Facts>) => observed.site?.principalId ?? facts.principalId
  return [
    [layout.storageId, layout.storageAccount, roles.storageBlobDataOwner, 'Storage Blob Data Owner'],
    [
      layout.storageId,
      layout.storageAccount,
      roles.storageQueueDataContributor,
      'Storage Queue Data Contributor',
    ],
    [layout.insightsId, layout.insights, roles.monitoringMetricsPublisher, 'Monitoring Metrics Publisher'],
  ].flatMap(([scope = '', resource, role = '', title]) =>
    assignRole(desired, observed, {
      scope,
      role,
      principal,
      servicePrincipal: true,
      name: `${title} for the Function App on ${resource}`,
      reason: 'its identity reaches the resource; no key is kept in its settings',
      phase: storageRolePhase,
    }),
  )
}
