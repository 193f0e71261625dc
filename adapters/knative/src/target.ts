import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type FunctionMetrics,
  type LogEvent,
  type LogQuery,
  type Manifest,
  matchesLogQuery,
  secretsWithoutValue,
  settingsOf,
  type Target,
  type TargetFinding,
  type TargetHost,
  type TargetInvocation,
  type TargetProject,
  type TargetSettings,
  validateName,
  XfnError,
} from '@xfn/core'
import type { Kube } from './deploy/kube.js'
import { type KnativePlace, labelsOf, serviceNameOf, userSecretsName } from './names.js'
import { pingScheduleOf } from './schedule.js'

/*
 * The Knative target: `--cloud knative` runs the app on any Kubernetes cluster with Knative
 * Serving and Eventing. The cluster's client and the image code load only when a command talks to
 * the cluster.
 */

/** The `knative` section of xfn.config.ts. */
export interface KnativeConfigSection {
  /** The repository the app's image is pushed to: `registry.example.com/team/orders`. */
  readonly registry?: string
  /** The Node.js image the app's layer goes on, pinned by digest. */
  readonly baseImage?: string
  /** The broker class (default MTChannelBasedBroker, whose in-memory channel keeps nothing over a restart). */
  readonly brokerClass?: string
  /** The S3-compatible store of the app's buckets. */
  readonly storage?: {
    readonly endpoint: string
    readonly region?: string
    readonly secret?: string
    readonly bucketPrefix?: string
  }
}

interface KnativeConfig {
  readonly stage?: string
  readonly knative?: KnativeConfigSection
}

interface KnativeFlags {
  readonly stage?: string | undefined
  readonly context?: string | undefined
}

/** The durable broker classes, which keep events over a restart. */
export const durableBrokerClasses = ['Kafka', 'KafkaNamespaced', 'RabbitMQBroker', 'NatsJetStreamBroker']
const defaultBrokerClass = 'MTChannelBasedBroker'

const configOf = (project: TargetProject) => (project.config as KnativeConfig).knative ?? {}

async function connect(project: TargetProject, flags: KnativeFlags) {
  const stage = flags.stage ?? (project.config as KnativeConfig).stage ?? 'dev'
  validateName('stage', stage, '--stage')
  const deploy = await import('./deploy/index.js')
  const kube = await deploy.connectKube({ context: flags.context })
  const place = { app: project.app, stage, namespace: deploy.namespaceOf(project.app, stage) }
  return { deploy, kube, place }
}

const placeOf = (
  place: { app: string; stage: string; namespace: string },
  kube: { context: string; server: string },
) => `${place.app} (${place.stage}) in namespace ${place.namespace} of ${kube.context} (${kube.server})`

/** What of an app Knative cannot run, for `xfn check`. */
function check(manifest: Manifest, config: object): TargetFinding[] {
  const section = (config as KnativeConfig).knative ?? {}
  const findings: TargetFinding[] = []
  const names = new Map<string, string>()
  for (const fn of manifest.functions) {
    const subject = `function '${fn.name}'`
    if (fn.trigger.type !== 'http') {
      const service = serviceNameOf(fn)
      const other = names.get(service)
      if (other)
        findings.push({
          subject,
          severity: 'error',
          message: `its Knative Service would be named ${service}, as function '${other}''s; rename one of them`,
        })
      names.set(service, fn.name)
    }
    if (fn.trigger.type === 'timer') {
      const schedule = pingScheduleOf(fn)
      if ('problem' in schedule) findings.push({ subject, severity: 'error', message: schedule.problem })
    }
    // What matters only when the app is deployed to knative: said to apps that configure it.
    if (!(config as KnativeConfig).knative) continue
    if (fn.trigger.type === 'blob')
      findings.push({
        subject,
        severity: 'warning',
        message: `on knative, a blob event is sent when the app writes or deletes through bucket('${fn.trigger.bucket}'); objects written to the store by other tools fire nothing, since S3-compatible stores have no common way to notify a cluster`,
      })
  }
  if (manifest.queues.some((q) => q.fifo))
    findings.push({
      subject: 'the app',
      severity: 'error',
      message: 'Knative brokers deliver in no order, so a FIFO queue cannot run on knative',
    })
  if (!(config as KnativeConfig).knative) return findings
  if (
    (manifest.buckets.length > 0 || manifest.functions.some((f) => f.trigger.type === 'blob')) &&
    !section.storage
  )
    findings.push({
      subject: 'the app',
      severity: 'warning',
      message: `its buckets need an S3-compatible store on knative, which deploy asks for: set knative.storage in xfn.config.ts, such as { endpoint: 'http://minio.storage:9000', secret: 'store-credentials' }`,
    })
  const messaging = manifest.functions.some((f) => f.trigger.type !== 'http') || manifest.queues.length > 0
  if (messaging && !durableBrokerClasses.includes(section.brokerClass ?? defaultBrokerClass))
    findings.push({
      subject: 'the app',
      severity: 'warning',
      message: `its broker is of class ${section.brokerClass ?? defaultBrokerClass}; with the in-memory channel, queued messages are lost when the broker restarts. Set knative.brokerClass to a durable class (${durableBrokerClasses.join(', ')}) installed on the cluster`,
    })
  return findings
}

/** Stops a deploy whose app reads a secret that has no value, with the commands that set them. */
async function checkSecretsSet(kube: Kube, place: KnativePlace, manifest: Manifest): Promise<void> {
  const declared = (manifest.secrets ?? []).map((s) => s.name)
  if (declared.length === 0) return
  const stored = (await kube.read(secretObject(place.namespace)))?.data ?? {}
  const missing = declared.filter((name) => !(name in (stored as object)))
  if (missing.length > 0)
    throw secretsWithoutValue(missing, `in namespace ${place.namespace}`, [
      '--cloud',
      'knative',
      '--stage',
      place.stage,
    ])
}

/** `xfn deploy --cloud knative`: build, push the image, apply what changed. */
async function deploy(host: TargetHost, flags: KnativeFlags & { dryRun: boolean }) {
  const { project } = host
  const section = configOf(project)
  if (!section.registry || !section.baseImage)
    throw new XfnError(
      'INVALID_OPTIONS',
      `xfn.config.ts: the knative target needs knative.registry (the repository to push the app's image to, such as 'registry.example.com/team/${project.app}') and knative.baseImage (a Node.js 20 or newer image pinned by digest, such as 'docker.io/library/node:22-slim@sha256:<digest>').`,
    )
  const started = performance.now()
  const { build, layer } = await host.step(
    'Building the image layer',
    async () => {
      const { dir, build } = await host.build('knative')
      const { layerOf } = await import('./build/layer.js')
      return { build, layer: layerOf(await readFile(join(dir, build.artifacts[0]?.path ?? 'layer.tar.gz'))) }
    },
    ({ layer }) => `${(layer.gzip.byteLength / 1024).toFixed(1)} KiB`,
  )
  const { manifest } = build
  if (manifest.buckets.length > 0 && !section.storage)
    throw new XfnError(
      'INVALID_OPTIONS',
      `xfn.config.ts: ${project.app} has buckets (${manifest.buckets.map((b) => b.name).join(', ')}), which on knative live in an S3-compatible store: set knative.storage, such as { endpoint: 'http://minio.storage:9000', secret: 'store-credentials' } (a Secret in the app's namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).`,
    )
  // Before anything is pushed: a deploy that would stop for a secret changes nothing anywhere.
  const connected = await connect(project, flags)
  await checkSecretsSet(connected.kube, connected.place, manifest)
  const image = await host.step(
    flags.dryRun
      ? `Working out the image for ${section.registry}`
      : `Pushing the image to ${section.registry}`,
    async () =>
      connected.deploy.publishImage({
        registry: section.registry as string,
        baseImage: section.baseImage as string,
        layer,
        dryRun: flags.dryRun,
      }),
    (image) => `${image.digest.slice(0, 19)}${image.writes === 0 ? ', already there' : ''}`,
  )
  const { deploy, kube, place, apiKey, changes } = await host.step(
    'Reading what exists on the cluster',
    async () => {
      const apiKey = await connected.deploy.appKeyOf(connected.kube, connected.place)
      const desired = connected.deploy.desiredObjects({
        place: connected.place,
        manifest,
        image: image.reference,
        brokerClass: section.brokerClass ?? defaultBrokerClass,
        env: settingsOf(project.config, connected.place.stage),
        storage: section.storage,
        apiKey,
      })
      return {
        ...connected,
        apiKey,
        changes: await connected.deploy.planDeploy(connected.kube, connected.place, desired),
      }
    },
    ({ changes }) => `${changes.length} change(s)`,
  )
  const outcome = await host.finishDeploy({ changes: changes as never }, placeOf(place, kube), {
    dryRun: flags.dryRun,
    started,
    apply: async (onProgress) => {
      await deploy.applyChanges(kube, changes, onProgress as never)
      return {
        baseUrl: await deploy.baseUrlOf(kube, place),
        routes: manifest.functions.flatMap((fn) =>
          fn.trigger.type === 'http'
            ? [{ route: fn.trigger.route, function: fn.name, auth: fn.trigger.auth }]
            : [],
        ),
        apiKey: manifest.functions.some((f) => f.trigger.type === 'http' && f.trigger.auth === 'key')
          ? apiKey.key
          : undefined,
      }
    },
  })
  return { image: image.reference, namespace: place.namespace, requests: kube.calls, ...outcome }
}

async function destroy(host: TargetHost, flags: KnativeFlags) {
  const { deploy, kube, place, changes } = await host.step(
    'Reading what exists on the cluster',
    async () => {
      const connected = await connect(host.project, flags)
      return { ...connected, changes: await connected.deploy.planDestroy(connected.kube, connected.place) }
    },
    ({ changes }) => `${changes.length} object(s)`,
  )
  const where = placeOf(place, kube)
  return host.finishDestroy({ changes: changes as never }, where, {
    question: `Delete these ${changes.length} objects of ${where}, with its namespace?`,
    apply: (onProgress) => deploy.applyChanges(kube, changes, onProgress as never),
  })
}

async function status(host: TargetHost, flags: KnativeFlags) {
  const { deploy, kube, place } = await connect(host.project, flags)
  const objects = await deploy.labelled(kube, place)
  const where = placeOf(place, kube)
  if (objects.length === 0) {
    host.log(
      `Nothing of ${where} is deployed. Deploy it with: ${host.commandLine('deploy', '--cloud', 'knative', '--stage', place.stage)}`,
    )
    return { namespace: place.namespace, objects: [] }
  }
  host.log(where)
  const rows = objects.map((o) => {
    const conditions =
      (o.status as { conditions?: { type: string; status: string; reason?: string }[] } | undefined)
        ?.conditions ?? []
    const ready = conditions.find((c) => c.type === 'Ready')
    const state = ready
      ? ready.status === 'True'
        ? 'Ready'
        : `not ready${ready.reason ? ` (${ready.reason})` : ''}`
      : '-'
    return {
      kind: o.kind,
      name: o.metadata.name,
      state,
      url: (o.status as { url?: string } | undefined)?.url,
    }
  })
  for (const row of rows)
    host.log(`  ${row.kind.padEnd(11)} ${row.name.padEnd(28)} ${row.state}${row.url ? `  ${row.url}` : ''}`)
  return { namespace: place.namespace, objects: rows }
}

async function invoke(
  host: TargetHost,
  flags: KnativeFlags,
  functionName: string,
  request: TargetInvocation,
) {
  const manifest = await host.loadManifest({ XFN_CLOUD: 'knative' })
  const fn = manifest.functions.find((f) => f.name === functionName)
  if (!fn)
    throw new XfnError(
      'UNKNOWN_FUNCTION',
      `There is no function '${functionName}' in ${host.project.app} (it has: ${manifest.functions.map((f) => f.name).join(', ')}).`,
    )
  if (fn.trigger.type !== 'http')
    throw new XfnError(
      'INVALID_OPTIONS',
      `function '${fn.name}' is triggered by ${fn.trigger.type}; on knative its Service takes events from the cluster's broker only, so xfn invoke calls HTTP functions. Send it an event from inside the cluster instead.`,
    )
  const { deploy, kube, place } = await connect(host.project, flags)
  const baseUrl = await deploy.baseUrlOf(kube, place)
  if (!baseUrl)
    throw new XfnError(
      'INVALID_OPTIONS',
      `The app has no ready HTTP Service in ${place.namespace}. Deploy it first.`,
    )
  const apiKey = await deploy.appKeyOf(kube, place)
  const method = request.method ?? fn.trigger.methods[0] ?? 'GET'
  const response = await fetch(`${baseUrl}${request.path ?? fn.trigger.route}`, {
    method,
    headers: { 'x-api-key': apiKey.key, 'content-type': 'application/json' },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: request.data }),
  })
  const body = await response.text()
  host.log(`${fn.name}: ${response.status}`)
  if (body) host.log(body)
  return { function: fn.name, status: response.status, body, ok: response.status < 500 }
}

/** Log lines of the app's pods, as the entry writes them (one JSON object per line). */
async function readLogs(host: TargetHost, flags: KnativeFlags, since: Date) {
  const { deploy, kube, place } = await connect(host.project, flags)
  const manifest = await host.loadManifest({ XFN_CLOUD: 'knative' })
  const services = [...new Set(manifest.functions.map((fn) => deploy.serviceNameOf(fn)))]
  const events: LogEvent[] = []
  for (const service of services)
    for (const pod of await kube.pods(place.namespace, service))
      for (const line of (await kube.podLog(place.namespace, pod, since)).split('\n')) {
        const event = parseLogLine(line)
        if (event && new Date(event.time) >= since) events.push(event)
      }
  return events.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
}

/** One line of the entry's log as a log event; nothing for a line it did not write. */
export function parseLogLine(line: string): LogEvent | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const record = JSON.parse(line) as Record<string, unknown>
    if (typeof record.time !== 'string' || typeof record.function !== 'string') return undefined
    return {
      time: record.time,
      cloud: 'knative',
      function: record.function,
      level: (record.level as LogEvent['level']) ?? 'info',
      invocationId: String(record.invocationId ?? ''),
      message: String(record.message ?? ''),
      ...(record.fields ? { fields: record.fields as Record<string, unknown> } : {}),
      kind: record.kind === 'platform' ? 'platform' : 'app',
    }
  } catch {
    return undefined
  }
}

async function logs(
  host: TargetHost,
  flags: KnativeFlags,
  query: LogQuery,
): Promise<AsyncIterable<LogEvent>> {
  let since = query.since ?? new Date(Date.now() - 15 * 60_000)
  const history = await readLogs(host, flags, since)
  const follow = query.follow
  return (async function* () {
    const seen = new Set<string>()
    const key = (e: LogEvent) => `${e.time}|${e.function}|${e.invocationId}|${e.message}`
    for (const event of history) {
      seen.add(key(event))
      if (matchesLogQuery(event, query)) yield event
    }
    if (!follow) return
    while (!(follow as AbortSignal).aborted) {
      await new Promise((resolve) => setTimeout(resolve, 2000))
      const fresh = await readLogs(host, flags, since)
      for (const event of fresh)
        if (!seen.has(key(event))) {
          seen.add(key(event))
          if (matchesLogQuery(event, { ...query, since: undefined })) yield event
        }
      since = new Date(Date.now() - 5000)
    }
  })()
}

/** Calls, errors and durations per function from the entry's report lines in the pods' logs. */
async function metrics(
  host: TargetHost,
  flags: KnativeFlags,
  window: { since?: Date | undefined; periodMs?: number | undefined },
) {
  const until = Date.now()
  const since = window.since ?? new Date(until - 3_600_000)
  const periodMs = window.periodMs ?? Math.max(60_000, (until - since.getTime()) / 24)
  const manifest = await host.loadManifest({ XFN_CLOUD: 'knative' })
  const events = await readLogs(host, flags, since)
  host.notice(
    "knative: metrics counted from the entry's report lines in the pods' logs; the calls of pods that have scaled away are not in them.",
  )
  const { metricsFromReports } = await import('./observe/metrics.js')
  return metricsFromReports(manifest, events, {
    since: since.getTime(),
    until,
    periodMs,
  }) as FunctionMetrics[]
}

const secretObject = (namespace: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: userSecretsName, namespace },
})

const knativeFlags = (given: TargetSettings) => given as KnativeFlags

export const knativeTarget: Target = {
  name: 'knative',
  description: 'Knative Serving and Eventing on any Kubernetes cluster',
  settings: {
    stage: {
      description: 'the stage, a prefix of every resource name (default: "stage" in xfn.config.ts, or dev)',
    },
    context: { description: 'the kubeconfig context (default: its current context)' },
  },
  config: {
    registry: {
      type: 'string',
      description: "the repository of the app's image, such as registry.example.com/team/orders",
    },
    baseImage: {
      type: 'string',
      description: 'the Node.js image the app goes on, pinned by digest (name@sha256:…)',
    },
    brokerClass: {
      type: 'string',
      description: `the class of the app's broker (default ${defaultBrokerClass})`,
    },
    storage: {
      type: 'object',
      description:
        "the S3-compatible store of the app's buckets: { endpoint, region?, secret?, bucketPrefix? }",
      check: (value, name) =>
        typeof (value as { endpoint?: unknown }).endpoint === 'string'
          ? undefined
          : `'${name}.endpoint' must be the store's URL, such as 'http://minio.storage:9000'.`,
    },
  },
  dryRun: true,
  check: (manifest, config) => check(manifest, config),
  build: async (input) => (await import('./build/index.js')).buildKnative(input),
  deploy: (host, given, { dryRun }) => deploy(host, { ...knativeFlags(given), dryRun }),
  destroy: (host, given) => destroy(host, knativeFlags(given)),
  status: (host, given) => status(host, knativeFlags(given)),
  invoke: (host, given, name, request) => invoke(host, knativeFlags(given), name, request),
  logs: (host, given, query) => logs(host, knativeFlags(given), query),
  metrics: (host, given, window) => metrics(host, knativeFlags(given), window),
  secrets: {
    async set(host, given, name, value) {
      const { kube, place, deploy } = await connect(host.project, knativeFlags(given))
      // A secret can be set before the first deploy: its namespace is made as the deploy makes it.
      await kube.apply(deploy.namespaceObject(place))
      const secret = secretObject(place.namespace)
      const data = { [name]: Buffer.from(value).toString('base64') }
      const annotations = { [`xfn.dev/changed.${name}`]: new Date().toISOString() }
      if (await kube.read(secret)) await kube.mergePatch(secret, { data, metadata: { annotations } })
      else
        await kube.apply({
          ...secret,
          metadata: { ...secret.metadata, labels: labelsOf(place), annotations },
          type: 'Opaque',
          data,
        })
    },
    async list(host, given) {
      const { kube, place } = await connect(host.project, knativeFlags(given))
      const secret = await kube.read(secretObject(place.namespace))
      const annotations = secret?.metadata.annotations ?? {}
      return Object.keys((secret?.data ?? {}) as object)
        .sort()
        .map((name) => ({ name, changedAt: annotations[`xfn.dev/changed.${name}`] }))
    },
    async remove(host, given, name) {
      const { kube, place } = await connect(host.project, knativeFlags(given))
      const secret = await kube.read(secretObject(place.namespace))
      if (!secret || !((secret.data ?? {}) as Record<string, string>)[name]) return false
      await kube.mergePatch(secretObject(place.namespace), { data: { [name]: null } })
      return true
    },
  },
}
