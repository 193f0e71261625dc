import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type FunctionMetrics,
  type LogEvent,
  type LogQuery,
  matchesLogQuery,
  releasesKept,
  reportChangesByHand,
  settingsOf,
  type Target,
  type TargetHost,
  type TargetInvocation,
  type TargetProject,
  type TargetSettings,
  targetRelease,
  validateName,
  XfnError,
} from '@xfn/core'
import type { BlobSource } from './build/index.js'

/*
 * The Azure target of the xfn command line: what `--cloud azure` does for each command. The SDKs
 * load only when a command talks to Azure.
 */

/** The `azure` section of xfn.config.ts. */
export interface AzureConfigSection {
  /** The subscription when AZURE_SUBSCRIPTION_ID is not set. */
  readonly subscriptionId?: string
  /** The region of the resources (default: eastus). */
  readonly location?: string
  /** An existing resource group to deploy into (default: xfn-<app>-<stage>, made by xfn). */
  readonly resourceGroup?: string
  /** `flex` (Flex Consumption, the default) or `consumption` (Linux Consumption). */
  readonly plan?: 'flex' | 'consumption'
  /** Flex Consumption: the most instances the app scales out to (default 100). */
  readonly maximumInstanceCount?: number
  /** Flex Consumption: each instance's memory, 512, 2048 or 4096 MB (default 2048). */
  readonly instanceMemoryMB?: number
  /** Flex Consumption: virtual network integration, through a subnet (delegated to Microsoft.App/environments). */
  readonly vnet?: { readonly subnetId: string }
}

const subnetResourceId =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i

/** The sections of xfn.config.ts this target reads. */
interface AzureConfig {
  readonly stage?: string
  readonly azure?: AzureConfigSection
}

const configOf = (project: TargetProject) => project.config as AzureConfig

interface AzureFlags {
  readonly stage?: string | undefined
  readonly subscription?: string | undefined
  readonly location?: string | undefined
  readonly 'resource-group'?: string | undefined
}

/**
 * Connects with `DefaultAzureCredential`, or with the token in XFN_AZURE_ACCESS_TOKEN; to
 * Resource Manager, or to the endpoint in XFN_AZURE_ENDPOINT.
 */
async function connectAzure(project: TargetProject, flags: AzureFlags) {
  const config = configOf(project)
  const stage = flags.stage ?? config.stage ?? 'dev'
  validateName('stage', stage, '--stage')
  // Loaded only here: the SDKs stay out of every command that does not talk to Azure.
  const deploy = await import('./deploy/index.js')
  const subscriptionId =
    flags.subscription ?? deploy.subscriptionFromEnvironment(config.azure?.subscriptionId)
  const token = process.env.XFN_AZURE_ACCESS_TOKEN
  const clients = deploy.createAzureClients({
    subscriptionId,
    endpoint: process.env.XFN_AZURE_ENDPOINT,
    credential: token ? deploy.staticTokenCredential(token) : undefined,
  })
  const target = await deploy.resolveTarget(clients, {
    app: project.app,
    stage,
    location: flags.location ?? config.azure?.location,
    resourceGroup: flags['resource-group'] ?? config.azure?.resourceGroup,
  })
  return { deploy, clients, target }
}

const where = (
  project: TargetProject,
  target: { stage: string; resourceGroup: string; subscriptionId: string },
) =>
  `${project.app} (${target.stage}) in resource group ${target.resourceGroup}, subscription ${target.subscriptionId}`

/** `xfn deploy --cloud azure`: build, plan, and (unless a dry run) apply, printing each step. */
async function deploy(host: TargetHost, flags: AzureFlags & { dryRun: boolean }) {
  const { project } = host
  const started = performance.now()
  const { plan: hosting, maximumInstanceCount, instanceMemoryMB, vnet } = configOf(project).azure ?? {}
  const built = await host.step(
    'Building for Azure',
    async () => {
      const { dir, build } = await host.build('azure')
      const artifact = build.artifacts[0]
      if (!artifact) throw new XfnError('INTERNAL', 'The Azure build wrote no zip.')
      const zip = await readFile(join(dir, artifact.path))
      return { manifest: build.manifest, zip, sha256: artifact.sha256 }
    },
    ({ zip }) => `${(zip.byteLength / 1024).toFixed(1)} KiB`,
  )
  const { deploy, clients, target, plan } = await host.step(
    'Reading what exists on Azure',
    async () => {
      const connected = await connectAzure(project, flags)
      const options = {
        plan: hosting,
        maximumInstanceCount,
        instanceMemoryMB,
        subnetId: vnet?.subnetId,
        env: settingsOf(project.config, connected.target.stage),
        release: { ...host.sourceVersion(), keep: releasesKept(project.config) },
      }
      return {
        ...connected,
        plan: await connected.deploy.planDeploy(connected.clients, built, connected.target, options),
      }
    },
    ({ plan }) => `${plan.changes.length} change(s)`,
  )
  const outcome = await host.finishDeploy(plan, where(project, target), {
    dryRun: flags.dryRun,
    started,
    apply: (onProgress) => deploy.applyPlan(clients, plan, { onProgress }),
  })
  return { target, ...outcome }
}

/** `xfn destroy --cloud azure`: removes the resource group xfn made, or xfn's resources in the given one. */
async function destroy(host: TargetHost, flags: AzureFlags) {
  const { project } = host
  const { deploy, clients, target, plan } = await host.step(
    'Reading what exists on Azure',
    async () => {
      const connected = await connectAzure(project, flags)
      return { ...connected, plan: await connected.deploy.planDestroy(connected.clients, connected.target) }
    },
    ({ plan }) => `${plan.changes.length} resource(s)`,
  )
  return host.finishDestroy(plan, where(project, target), {
    question: `Delete ${where(project, target)}, with its queues, buckets and logs?`,
    apply: (onProgress) => deploy.applyPlan(clients, plan, { onProgress }),
  })
}

/** `xfn status --cloud azure`: the Function App, its plan, package, queues, buckets and topics. */
async function status(host: TargetHost, flags: AzureFlags) {
  const { project } = host
  const { log } = host
  const { deploy, clients, target } = await connectAzure(project, flags)
  const deployHint = host.commandLine('deploy', '--cloud', 'azure', '--stage', target.stage)
  const status = await deploy.describeDeployed(clients, target)
  if (!status.functionApp) {
    log(`Nothing of ${where(project, target)} is deployed. Deploy it with: ${deployHint}`)
    return status
  }
  log(`${where(project, target)}${status.baseUrl ? `: ${status.baseUrl}` : ''}`)
  log(
    `  Function App ${status.functionApp}: ${status.state ?? 'unknown'} on ${status.plan ?? 'an unknown plan'}, package ${status.packageSha256?.slice(0, 12) ?? 'not published'}${status.release ? ` (release ${status.release.id})` : ''}${status.lastModified ? `, updated ${status.lastModified}` : ''}`,
  )
  if (status.queues.length > 0) log(`Queues: ${status.queues.join(', ')}`)
  if (status.containers.length > 0) log(`Buckets: ${status.containers.join(', ')}`)
  for (const topic of status.topics)
    log(`Topic ${topic.logical} (${topic.name}) → ${topic.subscriptions.join(', ') || 'no subscriptions'}`)
  const byHand = status.release
    ? await reportChangesByHand(host, () =>
        deploy.history(clients, target, { since: new Date(status.release?.deployedAt ?? 0) }),
      )
    : []
  const { drift, line } = await host.codeDrift('azure', [status.packageSha256], deployHint)
  log(line)
  return { ...status, drift, changedByHand: byHand }
}

/** `xfn invoke --cloud azure`: one call of a deployed function. */
async function invoke(host: TargetHost, flags: AzureFlags, functionName: string, request: TargetInvocation) {
  const { project } = host
  const { log } = host
  const manifest = await host.loadManifest({ XFN_CLOUD: 'azure' })
  const fn = manifest.functions.find((f) => f.name === functionName)
  if (!fn)
    throw new XfnError(
      'UNKNOWN_FUNCTION',
      `There is no function '${functionName}' in ${project.app} (it has: ${manifest.functions.map((f) => f.name).join(', ')}).`,
    )
  const { deploy, clients, target } = await connectAzure(project, flags)
  const outcome = await deploy.invokeFunction(clients, target, fn, request)
  if (outcome.accepted)
    log(
      `${fn.name}: the host took the run (202). Its lines show in: ${host.commandLine('logs', fn.name, '--cloud', 'azure', '--stage', target.stage, '--follow')} (Application Insights takes 20 s to a few minutes).`,
    )
  else log(outcome.error ? `${fn.name}: failed (${outcome.error})` : `${fn.name}: ${outcome.status}`)
  if (outcome.result !== undefined && outcome.result !== '')
    log(typeof outcome.result === 'string' ? outcome.result : JSON.stringify(outcome.result, null, 2))
  return { function: fn.name, trigger: fn.trigger.type, ...outcome }
}

/** Application Insights on Azure: the app's workspace and role name, and a query client. */
async function telemetry(project: TargetProject, flags: AzureFlags) {
  const { deploy, clients, target } = await connectAzure(project, flags)
  const observe = await import('./observe/index.js')
  const source = await deploy.logSource(clients, target)
  const client = observe.createLogsClient(clients.credential, {
    endpoint: process.env.XFN_AZURE_LOGS_ENDPOINT,
    tls: clients.tls,
  })
  return { observe, source, client }
}

/** The log events of the app on Azure: Application Insights' history, then polling. */
async function logs(host: TargetHost, flags: AzureFlags, query: LogQuery): Promise<AsyncIterable<LogEvent>> {
  const { observe, source, client } = await telemetry(host.project, flags)
  const since = query.since ?? new Date(Date.now() - 15 * 60_000)
  const history = await observe.readAzureLogs(client, source, {
    since,
    until: new Date(),
    functions: query.functions,
  })
  const follow = query.follow
  if (follow)
    host.notice(
      'Azure: following by polling every 10 s; Application Insights shows a line 20 s to a few minutes after it is written.',
    )
  return (async function* () {
    for (const event of history) if (matchesLogQuery(event, query)) yield event
    if (!follow) return
    const seen = new Set(history.map(observe.eventKey))
    for await (const event of observe.followAzureLogs(client, source, follow, {
      functions: query.functions,
      seen,
    }))
      if (matchesLogQuery(event, { ...query, since: undefined })) yield event
  })()
}

/** The functions' metrics over a window, from Application Insights' requests. */
async function metrics(
  host: TargetHost,
  flags: AzureFlags,
  window: { since?: Date | undefined; periodMs?: number | undefined },
): Promise<FunctionMetrics[]> {
  const { project } = host
  const manifest = await host.loadManifest({ XFN_CLOUD: 'azure' })
  const { observe, source, client } = await telemetry(project, flags)
  const until = new Date()
  const since = window.since ?? new Date(until.getTime() - 3_600_000)
  const periodSeconds = Math.max(
    60,
    Math.round((window.periodMs ?? (until.getTime() - since.getTime()) / 24) / 1000),
  )
  return observe.readAzureMetrics(
    client,
    source,
    manifest.functions.map((fn) => ({ name: fn.name, trigger: fn.trigger.type })),
    { since, until, periodSeconds },
  )
}

const azureFlags = (given: TargetSettings) => given as AzureFlags

/** Azure Functions: a Function App with its storage, plan and Application Insights, per app and stage. */
export const azureTarget: Target = {
  name: 'azure',
  description: 'Azure Functions on Flex Consumption (or Linux Consumption), with Storage and Event Grid',
  settings: {
    stage: {
      description: 'the stage, a prefix of every resource name (default: "stage" in xfn.config.ts, or dev)',
    },
    subscription: { description: 'the subscription id (default: AZURE_SUBSCRIPTION_ID)' },
    location: {
      description: 'the region of the resources (default: azure.location in xfn.config.ts, or eastus)',
    },
    'resource-group': {
      description: 'an existing resource group to deploy into (default: xfn-<app>-<stage>, made by xfn)',
    },
    'blob-source': {
      description:
        'how blob triggers learn of new blobs (default: LogsAndContainerScan when azure.plan is consumption, else EventGrid)',
      options: ['EventGrid', 'LogsAndContainerScan'],
      commands: ['build'],
    },
  },
  config: {
    subscriptionId: { type: 'string', description: 'the subscription when AZURE_SUBSCRIPTION_ID is not set' },
    location: { type: 'string', description: 'the region of the resources (default: eastus)' },
    resourceGroup: {
      type: 'string',
      description: 'an existing resource group to deploy into (default: xfn-<app>-<stage>, made by xfn)',
    },
    plan: {
      type: 'string',
      description:
        "the hosting plan: 'flex' (Flex Consumption, the default) or 'consumption' (Linux Consumption)",
      options: ['flex', 'consumption'],
    },
    maximumInstanceCount: {
      type: 'number',
      description: 'Flex Consumption: the most instances the app scales out to (default 100)',
    },
    instanceMemoryMB: {
      type: 'number',
      description: "Flex Consumption: each instance's memory, 512, 2048 or 4096 MB (default 2048)",
    },
    vnet: {
      type: 'object',
      description:
        "Flex Consumption: virtual network integration: { subnetId: '/subscriptions/…/subnets/…' }",
      check: (value, name) => {
        const { subnetId, ...rest } = value as Record<string, unknown>
        if (Object.keys(rest).length > 0)
          return `'${name}' takes subnetId, not ${Object.keys(rest).join(', ')}.`
        return typeof subnetId === 'string' && subnetResourceId.test(subnetId)
          ? undefined
          : `'${name}.subnetId' must be a subnet's resource id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<network>/subnets/<subnet>.`
      },
    },
  },
  dryRun: true,
  async build(input) {
    const { buildAzure } = await import('./build/index.js')
    const given = input.settings['blob-source'] as BlobSource | undefined
    // Linux Consumption polls containers for blobs; Flex Consumption hears of them from Event Grid.
    const planned =
      configOf(input.project).azure?.plan === 'consumption' ? 'LogsAndContainerScan' : 'EventGrid'
    return buildAzure(input, given ?? planned)
  },
  deploy: (host, given, { dryRun }) => deploy(host, { ...azureFlags(given), dryRun }),
  destroy: (host, given) => destroy(host, azureFlags(given)),
  status: (host, given) => status(host, azureFlags(given)),
  invoke: (host, given, name, request) => invoke(host, azureFlags(given), name, request),
  logs: (host, given, query) => logs(host, azureFlags(given), query),
  metrics: (host, given, window) => metrics(host, azureFlags(given), window),
  history: async (host, given, window) => {
    const { deploy, clients, target } = await connectAzure(host.project, azureFlags(given))
    return deploy.history(clients, target, window)
  },
  releases: {
    list: async (host, given) => {
      const { deploy, clients, target } = await connectAzure(host.project, azureFlags(given))
      return deploy.listReleases(clients, target)
    },
    rollback: async (host, given, options) => {
      const { deploy, clients, target } = await connectAzure(host.project, azureFlags(given))
      const here = (...args: string[]) =>
        host.commandLine(...args, '--cloud', 'azure', '--stage', target.stage)
      return targetRelease(await deploy.rollback(clients, target, options, here), true)
    },
  },
  secrets: {
    set: async (host, given, name, value) => {
      const { deploy, clients, target } = await connectAzure(host.project, azureFlags(given))
      await (await deploy.secretStore(clients, target)).set(name, value)
    },
    list: async (host, given) => {
      const { deploy, clients, target } = await connectAzure(host.project, azureFlags(given))
      return (await deploy.secretStore(clients, target)).list()
    },
    remove: async (host, given, name) => {
      const { deploy, clients, target } = await connectAzure(host.project, azureFlags(given))
      return (await deploy.secretStore(clients, target)).remove(name)
    },
  },
}
