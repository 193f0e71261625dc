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

/*
 * The AWS target of the xfn command line: what `--cloud aws` does for each command. The SDKs load
 * only when a command talks to AWS.
 */

/** The `aws` section of xfn.config.ts. */
export interface AwsConfigSection {
  /** The region when neither --region nor AWS_REGION is set. */
  readonly region?: string
  /** The profile when neither --profile nor AWS_PROFILE is set. */
  readonly profile?: string
  /** `rest` or `http`; by default a REST API for apps with `auth: 'key'` routes, else an HTTP API. */
  readonly api?: 'http' | 'rest'
  /** REST API: the rate, burst and quota of the app's key. */
  readonly usagePlan?: {
    readonly rateLimit?: number
    readonly burstLimit?: number
    readonly quota?: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH' }
  }
  /** Runs every function in these subnets of a VPC, with these security groups. */
  readonly vpc?: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] }
}

/** The sections of xfn.config.ts this target reads. */
interface AwsConfig {
  readonly stage?: string
  readonly aws?: AwsConfigSection
}

/** A usage plan's quota, as API Gateway takes it. */
function checkUsagePlan(value: unknown, name: string): string | undefined {
  const quota = (value as AwsConfigSection['usagePlan'])?.quota
  if (quota && (!Number.isInteger(quota.limit) || !['DAY', 'WEEK', 'MONTH'].includes(quota.period)))
    return `'${name}.quota' must be { limit: <whole number>, period: 'DAY' | 'WEEK' | 'MONTH' }.`
  return undefined
}

/** A VPC's subnets and security groups, by their ids, at least one of each. */
function checkVpc(value: unknown, name: string): string | undefined {
  const { subnetIds, securityGroupIds, ...rest } = value as Record<string, unknown>
  const unknown = Object.keys(rest)
  if (unknown.length > 0) return `'${name}' takes subnetIds and securityGroupIds, not ${unknown.join(', ')}.`
  const ids = (list: unknown, prefix: string, what: string) => {
    if (!Array.isArray(list) || list.length === 0)
      return `'${name}.${what}' must list one or more ids, such as ['${prefix}-0123456789abcdef0'].`
    const bad = list.find(
      (id) => typeof id !== 'string' || !new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(id),
    )
    return bad === undefined
      ? undefined
      : `'${name}.${what}' has ${JSON.stringify(bad)}, which is not a ${prefix}- id.`
  }
  // Lambda takes at most 16 subnets and 5 security groups.
  if (Array.isArray(subnetIds) && subnetIds.length > 16)
    return `'${name}.subnetIds' lists more than Lambda's 16.`
  if (Array.isArray(securityGroupIds) && securityGroupIds.length > 5)
    return `'${name}.securityGroupIds' lists more than Lambda's 5.`
  return ids(subnetIds, 'subnet', 'subnetIds') ?? ids(securityGroupIds, 'sg', 'securityGroupIds')
}

const configOf = (project: TargetProject) => project.config as AwsConfig

interface AwsFlags {
  readonly stage?: string | undefined
  readonly region?: string | undefined
  readonly profile?: string | undefined
}

/** Flags first, then the environment the SDK reads, then xfn.config.ts. */
function settings(project: TargetProject, flags: AwsFlags) {
  const config = configOf(project)
  return {
    stage: flags.stage ?? config.stage ?? 'dev',
    region: flags.region ?? (process.env.AWS_REGION ? undefined : config.aws?.region),
    profile: flags.profile ?? (process.env.AWS_PROFILE ? undefined : config.aws?.profile),
  }
}

async function connect(project: TargetProject, flags: AwsFlags) {
  const { stage, region, profile } = settings(project, flags)
  validateName('stage', stage, '--stage')
  // Loaded only here: the SDKs stay out of every command that does not talk to AWS.
  const deploy = await import('./deploy/index.js')
  const clients = deploy.createAwsClients({ region, profile })
  const target = await deploy.resolveTarget(clients, project.app, stage)
  return { deploy, clients, target }
}

/** Connects to AWS for a deployed app, with the app's manifest (loaded from its source). */
async function connectWithManifest(host: TargetHost, flags: AwsFlags) {
  const manifest = await host.loadManifest({ XFN_CLOUD: 'aws' })
  return { ...(await connect(host.project, flags)), manifest }
}

/** Where an app is deployed, as deploy and destroy say it. */
const placeOf = (project: TargetProject, target: { stage: string; region: string; accountId: string }) =>
  `${project.app} (${target.stage}) in ${target.region}, account ${target.accountId}`

/** `xfn deploy --cloud aws`: build, plan, and (unless a dry run) apply, printing each step. */
async function deploy(host: TargetHost, flags: AwsFlags & { dryRun: boolean }) {
  const { project } = host
  validateName('stage', settings(project, flags).stage, '--stage')
  const started = performance.now()
  const { build, zip } = await host.step(
    'Building for AWS',
    async () => {
      const { dir, build } = await host.build('aws')
      const artifact = build.artifacts[0]
      if (!artifact) throw new XfnError('INTERNAL', 'The AWS build wrote no zip.')
      return { build, zip: await readFile(join(dir, artifact.path)) }
    },
    ({ zip }) => `${(zip.byteLength / 1024).toFixed(1)} KiB`,
  )
  const { deploy, clients, target, plan } = await host.step(
    'Reading what exists on AWS',
    async () => {
      const connected = await connect(project, flags)
      const handlers = Object.fromEntries(build.functions.map((fn) => [fn.name, fn.handler]))
      const zipped = { manifest: build.manifest, zip, handlers }
      // How the app is exposed: xfn.config.ts's aws.api and aws.usagePlan; and its settings.
      const { api, usagePlan, vpc } = configOf(project).aws ?? {}
      return {
        ...connected,
        plan: await connected.deploy.planDeploy(connected.clients, zipped, connected.target, {
          api,
          usagePlan,
          vpc,
          env: settingsOf(project.config, connected.target.stage),
          release: { ...host.sourceVersion(), keep: releasesKept(project.config) },
        }),
      }
    },
    ({ plan }) => `${plan.changes.length} change(s)`,
  )
  const where = placeOf(project, target)
  const outcome = await host.finishDeploy(plan, where, {
    dryRun: flags.dryRun,
    started,
    apply: (onProgress) => deploy.applyPlan(clients, plan, { onProgress }),
  })
  return { target, ...outcome }
}

/** `xfn destroy --cloud aws`: removes every resource tagged for the app and stage. */
async function destroy(host: TargetHost, flags: AwsFlags) {
  const { project } = host
  const { deploy, clients, target, plan } = await host.step(
    'Reading what exists on AWS',
    async () => {
      const connected = await connect(project, flags)
      return { ...connected, plan: await connected.deploy.planDestroy(connected.clients, connected.target) }
    },
    ({ plan }) => `${plan.changes.length} resource(s)`,
  )
  const where = placeOf(project, target)
  return host.finishDestroy(plan, where, {
    question: `Delete these ${plan.changes.length} resources of ${where}, with the objects in its buckets?`,
    apply: (onProgress) => deploy.applyPlan(clients, plan, { onProgress }),
  })
}

/** `xfn invoke --cloud aws`: one invocation of a deployed function, with the tail of its log. */
async function invoke(host: TargetHost, flags: AwsFlags, functionName: string, request: TargetInvocation) {
  const { project } = host
  const { log } = host
  const { deploy, clients, target, manifest } = await connectWithManifest(host, flags)
  const fn = manifest.functions.find((f) => f.name === functionName)
  if (!fn)
    throw new XfnError(
      'UNKNOWN_FUNCTION',
      `There is no function '${functionName}' in ${project.app} (it has: ${manifest.functions.map((f) => f.name).join(', ')}).`,
    )
  const outcome = await deploy.invokeFunction(clients, target, fn, request)
  log(outcome.error ? `${fn.name}: failed (${outcome.error})` : `${fn.name}: done`)
  if (outcome.result !== undefined && outcome.result !== null) log(JSON.stringify(outcome.result, null, 2))
  for (const line of outcome.log) log(line)
  return { function: fn.name, trigger: fn.trigger.type, ...outcome }
}

/** `xfn status --cloud aws`: the functions, endpoint, queues, topics, buckets and schedules that exist. */
async function status(host: TargetHost, flags: AwsFlags) {
  const { project } = host
  const { log } = host
  const { deploy, clients, target } = await connect(project, flags)
  const deployHint = host.commandLine('deploy', '--cloud', 'aws', '--stage', target.stage)
  const status = await deploy.describeDeployed(clients, target)
  const where = placeOf(project, target)
  if (status.functions.length === 0) {
    log(`Nothing of ${where} is deployed. Deploy it with: ${deployHint}`)
    return status
  }
  log(`${where}${status.baseUrl ? `: ${status.baseUrl}` : ''}`)
  for (const fn of status.functions)
    log(
      `  ${fn.function.padEnd(20)} ${String(fn.state).padEnd(8)} ${`${fn.memoryMb} MB`.padStart(8)} ${`${fn.timeoutSeconds} s`.padStart(6)}  updated ${fn.lastModified}${fn.lastUpdate && fn.lastUpdate !== 'Successful' ? ` (${fn.lastUpdate})` : ''}`,
    )
  if (status.queues.length > 0) log('Queues:')
  for (const queue of status.queues)
    log(
      `  ${queue.name.padEnd(32)} ${queue.waiting} waiting, ${queue.inFlight} in flight, ${queue.delayed} delayed`,
    )
  for (const topic of status.topics)
    log(`Topic ${topic.name} → ${topic.subscriptions.join(', ') || 'no subscriptions'}`)
  for (const schedule of status.schedules) log(`Schedule ${schedule.name}: ${schedule.expression}`)
  for (const bucket of status.buckets) log(`Bucket ${bucket}`)
  log(
    status.release
      ? `Release ${status.release.id} is live (${host.commandLine('releases', '--cloud', 'aws', '--stage', target.stage)} lists them).`
      : 'No recorded release is live: the aliases were moved outside xfn, or a deploy stopped before recording; a deploy records one.',
  )
  const byHand = status.release
    ? await reportChangesByHand(host, () =>
        deploy.history(clients, target, { since: new Date(status.release?.deployedAt ?? 0) }),
      )
    : []
  // Lambda reports CodeSha256 in base64; builds record hex.
  const deployed = status.functions.map(
    (fn) => fn.codeSha256 && Buffer.from(fn.codeSha256, 'base64').toString('hex'),
  )
  const { drift, line } = await host.codeDrift('aws', deployed, deployHint)
  log(line)
  return { ...status, drift, changedByHand: byHand }
}

/** The log events of the app's functions on AWS: their log groups' history, then Live Tail. */
async function logs(host: TargetHost, flags: AwsFlags, query: LogQuery): Promise<AsyncIterable<LogEvent>> {
  const { clients, target, manifest } = await connectWithManifest(host, flags)
  const observe = await import('./observe/index.js')
  const sources = observe.awsSources(target, manifest, query.functions ?? [])
  const history = await observe.readLogHistory(clients.logs, sources, {
    since: query.since ?? new Date(Date.now() - 15 * 60_000),
  })
  const follow = query.follow
  return (async function* () {
    for (const event of history) if (matchesLogQuery(event, query)) yield event
    if (!follow) return
    for await (const event of observe.followLogs(clients.logs, sources, follow, host.notice))
      if (matchesLogQuery(event, { ...query, since: undefined })) yield event
  })()
}

/** The functions' metrics over a window, from CloudWatch. */
async function metrics(
  host: TargetHost,
  flags: AwsFlags,
  window: { since?: Date | undefined; periodMs?: number | undefined },
): Promise<FunctionMetrics[]> {
  const { clients, target, manifest } = await connectWithManifest(host, flags)
  const observe = await import('./observe/index.js')
  const until = new Date()
  const since = window.since ?? new Date(until.getTime() - 3_600_000)
  // CloudWatch periods are multiples of 60 s for standard metrics.
  const periodSeconds = Math.max(
    60,
    Math.round((window.periodMs ?? (until.getTime() - since.getTime()) / 24) / 60_000) * 60,
  )
  return observe.readAwsMetrics(clients.cloudwatch, observe.awsSources(target, manifest), {
    since,
    until,
    periodSeconds,
  })
}

const awsFlags = (given: TargetSettings) => given as AwsFlags

/** AWS: Lambda, API Gateway, SQS, S3 and EventBridge, deployed with the AWS SDK. */
export const awsTarget: Target = {
  name: 'aws',
  description: 'AWS Lambda, with API Gateway, SQS, S3 and EventBridge',
  settings: {
    stage: {
      description: 'the stage, a prefix of every resource name (default: "stage" in xfn.config.ts, or dev)',
    },
    region: { description: 'the region (default: AWS_REGION or the profile region)' },
    profile: { description: 'the profile of ~/.aws/config to use (default: AWS_PROFILE)' },
  },
  config: {
    region: { type: 'string', description: 'the region when neither --region nor AWS_REGION is set' },
    profile: { type: 'string', description: 'the profile when neither --profile nor AWS_PROFILE is set' },
    api: {
      type: 'string',
      description: "the kind of API (default: 'rest' for apps with auth: 'key' routes, else 'http')",
      options: ['http', 'rest'],
    },
    usagePlan: {
      type: 'object',
      description: 'REST API: the rate, burst and quota of the app key',
      check: checkUsagePlan,
    },
    vpc: {
      type: 'object',
      description: "the VPC every function runs in: { subnetIds: ['subnet-…'], securityGroupIds: ['sg-…'] }",
      check: checkVpc,
    },
  },
  dryRun: true,
  build: async (input) => (await import('./build/index.js')).buildAws(input),
  deploy: (host, given, { dryRun }) => deploy(host, { ...awsFlags(given), dryRun }),
  destroy: (host, given) => destroy(host, awsFlags(given)),
  status: (host, given) => status(host, awsFlags(given)),
  invoke: (host, given, name, request) => invoke(host, awsFlags(given), name, request),
  logs: (host, given, query) => logs(host, awsFlags(given), query),
  metrics: (host, given, window) => metrics(host, awsFlags(given), window),
  history: async (host, given, window) => {
    const { deploy, clients, target } = await connect(host.project, awsFlags(given))
    return deploy.history(clients, target, window)
  },
  releases: {
    list: async (host, given) => {
      const { deploy, clients, target } = await connect(host.project, awsFlags(given))
      return deploy.listReleases(clients, target)
    },
    rollback: async (host, given, options) => {
      const { deploy, clients, target } = await connect(host.project, awsFlags(given))
      const here = (...args: string[]) => host.commandLine(...args, '--cloud', 'aws', '--stage', target.stage)
      return targetRelease(await deploy.rollback(clients, target, options, here), true)
    },
  },
  secrets: {
    set: async (host, given, name, value) => {
      const { deploy, clients, target } = await connect(host.project, awsFlags(given))
      await deploy.setSecret(clients, target, name, value)
    },
    list: async (host, given) => {
      const { deploy, clients, target } = await connect(host.project, awsFlags(given))
      return deploy.listSecrets(clients, target)
    },
    remove: async (host, given, name) => {
      const { deploy, clients, target } = await connect(host.project, awsFlags(given))
      return deploy.removeSecret(clients, target, name)
    },
  },
}
