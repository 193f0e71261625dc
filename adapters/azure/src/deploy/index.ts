import {
  type ProgressEvent as AnyProgressEvent,
  azureNames,
  describeChange,
  realSleep,
  runChanges,
  type Sleep,
  targetRelease,
  XfnError,
} from '@xfn/core'
import { type AzureClients, armScope } from './clients.js'
import { type AzureBuild, type AzureDeployOptions, type Desired, desiredState } from './desired.js'
import { armError, ifExists } from './errors.js'
import { readHistory } from './history.js'
import { keyVaultApiVersion, vaultSecrets } from './key-vault.js'
import { type Observed, observe, observeReleases } from './observe.js'
import { type ApplyContext, type Change, initialFacts, planChanges, planRemoval, secretsOf } from './plan.js'
import { liveRelease, rollbackTo } from './releases.js'
import { type AzureLayout, type AzureTarget, azureLayout, byId, deployCommand, packageTag } from './target.js'

export {
  type AzureClientOptions,
  type AzureClients,
  createAzureClients,
  staticTokenCredential,
} from './clients.js'
export type { AzureBuild, AzureDeployOptions, HostingPlan } from './desired.js'
export { type InvokeOutcome, type InvokeRequest, invokeFunction } from './invoke.js'
export type { Change } from './plan.js'
export { type AzureLayout, type AzureTarget, azureLayout } from './target.js'
export { describeChange }

export type ProgressEvent = AnyProgressEvent<ApplyContext>

/** A deploy worked out but not yet performed: what should be, what is, and the changes between. */
export interface AzurePlan {
  readonly desired: Desired
  readonly observed: Observed
  readonly changes: readonly Change[]
}

export interface AzureEndpoints {
  readonly baseUrl: string | undefined
  readonly routes: readonly { readonly route: string; readonly function: string; readonly auth: string }[]
  /** The key clients send in `x-api-key` to `auth: 'key'` routes. */
  readonly apiKey: string | undefined
}

export interface TargetSettings {
  readonly app: string
  readonly stage: string
  readonly location?: string | undefined
  readonly resourceGroup?: string | undefined
}

/**
 * Checks that the credential gives a token, then names the target: the location given, else the
 * resource group's when it exists, else eastus. A missing credential is an error that says how
 * to provide one.
 */
export async function resolveTarget(clients: AzureClients, settings: TargetSettings): Promise<AzureTarget> {
  try {
    await clients.credential.getToken(armScope)
  } catch (error) {
    throw armError('Signing in to Azure', error)
  }
  const { app, stage } = settings
  const resourceGroup = settings.resourceGroup ?? azureNames({ app, stage }, clients).resourceGroup
  // New resources go where the resource group is, when it exists and no location is given.
  const group = settings.location
    ? undefined
    : await ifExists(() => clients.resources.resourceGroups.get(resourceGroup)).catch((error: unknown) => {
        throw armError(`Reading the resource group ${resourceGroup}`, error)
      })
  return {
    app,
    stage,
    subscriptionId: clients.subscriptionId,
    location: settings.location ?? group?.location ?? 'eastus',
    resourceGroup,
  }
}

/** The subscription id from the environment, or an error that says where to find it. */
export function subscriptionFromEnvironment(configured: string | undefined): string {
  const id = process.env.AZURE_SUBSCRIPTION_ID || configured
  if (!id)
    throw new XfnError(
      'INVALID_OPTIONS',
      'No Azure subscription is set. Set AZURE_SUBSCRIPTION_ID (az account show --query id -o tsv prints yours), or azure.subscriptionId in xfn.config.ts.',
    )
  return id
}

/** Reads what exists and returns the changes a deploy of this build would make. Read-only. */
export async function planDeploy(
  clients: AzureClients,
  build: AzureBuild,
  target: AzureTarget,
  options: AzureDeployOptions = {},
): Promise<AzurePlan> {
  const desired = desiredState(build, target, options)
  const observed = await read(clients, target, desired.layout, { secrets: desired.secrets.length > 0 })
  return { desired, observed, changes: planChanges(desired, observed) }
}

/** Reads what exists and returns the changes that remove what xfn made for the app and stage. */
export async function planDestroy(clients: AzureClients, target: AzureTarget): Promise<AzurePlan> {
  const desired = desiredState(
    {
      manifest: { manifestVersion: 1, app: target.app, functions: [], queues: [], buckets: [] },
      zip: new Uint8Array(),
      sha256: '',
    },
    target,
  )
  const observed = await read(clients, target, desired.layout)
  return { desired, observed, changes: planRemoval(desired, observed) }
}

async function readReleaseState(clients: AzureClients, target: AzureTarget) {
  try {
    return await observeReleases(clients, azureLayout(target))
  } catch (error) {
    throw armError(`Reading the releases of ${target.app} (${target.stage})`, error)
  }
}

async function read(
  clients: AzureClients,
  target: AzureTarget,
  layout: AzureLayout,
  options: { secrets?: boolean } = {},
) {
  try {
    return await observe(clients, layout, target, options)
  } catch (error) {
    throw armError(
      `Reading what exists for ${target.app} (${target.stage}) in ${target.resourceGroup}`,
      error,
    )
  }
}

export interface ApplyOptions {
  readonly onProgress?: (event: ProgressEvent) => void
  readonly sleep?: Sleep
  /** How long to wait for a publish to finish; default 10 minutes. */
  readonly publishTimeoutMs?: number
  /** How often to poll long-running operations; by default as Resource Manager's Retry-After says. */
  readonly pollIntervalMs?: number
  readonly concurrency?: number
}

/** Performs a plan, and returns the app's endpoints. */
export async function applyPlan(
  clients: AzureClients,
  planned: AzurePlan,
  options: ApplyOptions = {},
): Promise<AzureEndpoints> {
  const { desired } = planned
  const progress = options.onProgress ?? (() => undefined)
  const facts = initialFacts(planned.observed)
  const context: ApplyContext = {
    clients,
    desired,
    facts,
    sleep: options.sleep ?? realSleep,
    publishTimeoutMs: options.publishTimeoutMs ?? 600_000,
    poll: options.pollIntervalMs === undefined ? {} : { updateIntervalInMs: options.pollIntervalMs },
    warn: (message) => progress({ status: 'warning', message }),
  }
  await runChanges(planned.changes, context, {
    onProgress: progress,
    concurrency: options.concurrency,
    failure: (step, error) => armError(step, error, { changing: true }),
  })
  const routes = desired.manifest.functions.flatMap((fn) =>
    fn.trigger.type === 'http'
      ? [
          {
            route: `${fn.trigger.methods.join(',')} ${fn.trigger.route}`,
            function: fn.name,
            auth: fn.trigger.auth,
          },
        ]
      : [],
  )
  return {
    baseUrl: routes.length > 0 && facts.defaultHostName ? `https://${facts.defaultHostName}` : undefined,
    routes,
    apiKey: desired.needsKey ? secretsOf(desired, facts).apiKey : undefined,
  }
}

/**
 * Where the app's telemetry is: its Log Analytics workspace (by id) and the Function App's name,
 * which Application Insights records as the role name. Read-only.
 */
export async function logSource(clients: AzureClients, target: AzureTarget) {
  const layout = azureLayout(target)
  const workspace = await ifExists(() =>
    clients.workspaces.workspaces.get(layout.resourceGroup, layout.workspace),
  ).catch((error: unknown) => {
    throw armError(`Reading the Log Analytics workspace of ${target.app} (${target.stage})`, error)
  })
  if (!workspace?.customerId)
    throw new XfnError(
      'INVALID_OPTIONS',
      `Nothing of ${target.app} (${target.stage}) is deployed in resource group ${target.resourceGroup}, so it has no logs there. Deploy it with: ${deployCommand(target.stage)}`,
      { commands: [deployCommand(target.stage)] },
    )
  return { workspaceId: workspace.customerId, roleName: layout.functionApp }
}

/** What is deployed for an app and stage, as `xfn status --cloud azure` shows it. Read-only. */
export async function describeDeployed(clients: AzureClients, target: AzureTarget) {
  const layout = azureLayout(target)
  const observed = await read(clients, target, layout)
  const site = observed.site
  const live = liveRelease(observed.releases, site?.tags, packageTag)
  return {
    target,
    functionApp: site ? layout.functionApp : undefined,
    baseUrl: site?.defaultHostName ? `https://${site.defaultHostName}` : undefined,
    state: site?.state,
    plan: observed.plan?.sku,
    packageSha256: site?.tags[packageTag],
    release: live && { id: live.id, deployedAt: live.deployedAt },
    lastModified: site?.lastModified,
    queues: [...observed.queues.keys()].sort(),
    containers: [...observed.containers.entries()]
      .filter(([, metadata]) => metadata.xfn === 'bucket')
      .map(([name]) => name)
      .sort(),
    /** Each topic with the functions subscribed to it. */
    topics: [...observed.topics.entries()]
      .map(([name, topic]) => ({
        name,
        logical: topic.logical,
        subscriptions: [...topic.subscriptions.keys()].sort(),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  }
}

/** The changes made to the app's resource group since a time, from its Activity Log. Read-only. */
export async function history(clients: AzureClients, target: AzureTarget, window: { readonly since: Date }) {
  try {
    return await readHistory(clients, target, window)
  } catch (error) {
    if (error instanceof XfnError) throw error
    throw armError(`Reading the Activity Log of ${target.resourceGroup}`, error)
  }
}

/** The app's releases, oldest first, the one the Function App runs marked live. Read-only. */
export async function listReleases(clients: AzureClients, target: AzureTarget) {
  const { releases, site } = await readReleaseState(clients, target)
  const live = liveRelease(releases, site?.tags, packageTag)
  return releases.map((release) => targetRelease(release, release.id === live?.id))
}

/**
 * Makes a release live again: publishes its kept package and puts back its settings, by default
 * the release before the live one. `commandLine` prints a command for this app and stage.
 */
export async function rollback(
  clients: AzureClients,
  target: AzureTarget,
  options: { readonly to: string | undefined; readonly codeOnly: boolean },
  commandLine: (...args: string[]) => string,
  apply: Pick<ApplyOptions, 'sleep' | 'publishTimeoutMs' | 'pollIntervalMs'> = {},
) {
  const layout = azureLayout(target)
  const { site, storage, releases } = await readReleaseState(clients, target)
  if (!site)
    throw new XfnError(
      'INVALID_OPTIONS',
      `Nothing of ${target.app} (${target.stage}) is deployed in resource group ${target.resourceGroup}, so it has no release to roll back to. Deploy it with: ${deployCommand(target.stage)}`,
      { commands: [deployCommand(target.stage)] },
    )
  const context = {
    clients,
    facts: { ...storage, scmHostName: site.scmHostName },
    layout,
    // Flex Consumption apps have a functionAppConfig; Linux Consumption ones do not.
    plan: site.functionAppConfig ? ('flex' as const) : ('consumption' as const),
    sleep: apply.sleep ?? realSleep,
    publishTimeoutMs: apply.publishTimeoutMs ?? 600_000,
    poll: apply.pollIntervalMs === undefined ? {} : { updateIntervalInMs: apply.pollIntervalMs },
  }
  try {
    return await rollbackTo(context, { releases, site, packageTag }, options, commandLine)
  } catch (error) {
    if (error instanceof XfnError) throw error
    throw armError(`Rolling back ${target.app} (${target.stage})`, error, { changing: true })
  }
}

/**
 * The app's secrets in its Key Vault, which the first deploy of an app that reads secrets makes
 * (giving the deploying identity Key Vault Secrets Officer on it).
 */
export async function secretStore(clients: AzureClients, target: AzureTarget) {
  const layout = azureLayout(target)
  const found = await ifExists(() =>
    clients.resources.resources.getById(byId(layout.keyVaultId), keyVaultApiVersion),
  ).catch((error: unknown) => {
    throw armError(`Reading the Key Vault ${layout.keyVault}`, error)
  })
  if (!found)
    throw new XfnError(
      'INVALID_OPTIONS',
      `${target.app} (${target.stage}) has no Key Vault yet: deploy the app first, which makes it (and stops at the secrets it still needs), then set them. ${deployCommand(target.stage)}`,
      { commands: [deployCommand(target.stage)] },
    )
  return vaultSecrets(clients, String((found.properties as { vaultUri?: string }).vaultUri ?? ''))
}
