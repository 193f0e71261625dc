import { clouds as allClouds, type Cloud, PortabilityError } from './errors.js'
import type { Manifest, ManifestFunction, ManifestTrigger } from './manifest.js'
import { queueMessageLimits } from './resources.js'
import { parseSchedule, toAwsSchedule, toAzureSchedule } from './schedule/index.js'
import {
  defaultTopicVisibilitySeconds,
  topicAttributeLimit,
  topicFilterNameLimit,
  topicFilterValueLimit,
  topicMessageLimit,
} from './topics.js'

export type Severity = 'error' | 'warning'

export { queueMessageLimits }

export interface PortabilityFinding {
  /** The target it concerns: a built-in cloud, or a target from outside. */
  readonly cloud: string
  readonly subject: string
  readonly severity: Severity
  readonly message: string
}

export interface FunctionPortability {
  readonly name: string
  readonly trigger: string
  /** Per cloud: what the function becomes there (a schedule expression, say), or why it cannot. */
  readonly clouds: Partial<Record<string, { readonly ok: boolean; readonly detail: string }>>
}

export interface PortabilityReport {
  readonly app: string
  readonly clouds: readonly string[]
  readonly functions: readonly FunctionPortability[]
  readonly findings: readonly PortabilityFinding[]
  readonly portableTo: readonly string[]
  /** Facts that bind every cloud at once, such as the largest queue message all of them take. */
  /** The portable limits of the app's messages; `topics` only when it has topics. */
  readonly limits: {
    readonly queueMessageBytes: number
    readonly topics?: {
      readonly messageBytes: number
      readonly attributes: number
      readonly filterAttributes: number
      readonly filterValues: number
    }
  }
}

/** Azure's front end ends an HTTP request after 230 seconds, whatever the function's timeout. */
const azureHttpLimitSeconds = 230

/** The longest `functionTimeout` the host accepts on Linux Consumption (10 minutes). */
const azureConsumptionLimitSeconds = 600

/** How the app is hosted where that changes what runs: `azure.plan` of `xfn.config.ts`. */
export interface PortabilityOptions {
  readonly azurePlan?: 'flex' | 'consumption'
}

/**
 * Says, for every function of an app and every cloud asked about, whether it runs there exactly
 * and what it becomes; and why not where it cannot.
 *
 * @example
 * const report = checkPortability(manifest, ['aws', 'azure'])
 * report.portableTo // ['aws']
 */
export function checkPortability(
  manifest: Manifest,
  clouds: readonly Cloud[] = allClouds,
  options: PortabilityOptions = {},
): PortabilityReport {
  const findings: PortabilityFinding[] = []
  const add = (cloud: Cloud, subject: string, severity: Severity, message: string) => {
    if (clouds.includes(cloud)) findings.push({ cloud, subject, severity, message })
  }

  const functions = manifest.functions.map((fn): FunctionPortability => {
    const perCloud: FunctionPortability['clouds'] = {}
    for (const cloud of clouds) {
      const outcome = functionOnCloud(fn, cloud)
      perCloud[cloud] = outcome
      if (!outcome.ok) add(cloud, `function '${fn.name}'`, 'error', outcome.detail)
    }
    return { name: fn.name, trigger: describeTrigger(fn.trigger), clouds: perCloud }
  })

  checkQueues(manifest, add)
  checkBlobs(manifest, add)
  checkPhysicalNames(manifest, add)

  for (const fn of manifest.functions) {
    if (options.azurePlan === 'consumption' && fn.timeoutSeconds > azureConsumptionLimitSeconds)
      add(
        'azure',
        `function '${fn.name}'`,
        'error',
        `its timeoutSeconds of ${fn.timeoutSeconds} is over the ${azureConsumptionLimitSeconds} s the host allows on Linux Consumption (azure.plan 'consumption'), where the host would not start; lower it, or use azure.plan 'flex'`,
      )
    if (fn.trigger.type === 'topic' && fn.trigger.visibilityTimeoutSeconds !== defaultTopicVisibilitySeconds)
      add(
        'azure',
        `function '${fn.name}'`,
        'warning',
        `Event Grid retries a failed message on its own schedule (10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, …), not after its visibilityTimeoutSeconds of ${fn.trigger.visibilityTimeoutSeconds}`,
      )
    if (fn.trigger.type === 'http' && fn.timeoutSeconds > azureHttpLimitSeconds) {
      add(
        'azure',
        `function '${fn.name}'`,
        'warning',
        `Azure ends HTTP requests after ${azureHttpLimitSeconds} s, below its timeoutSeconds of ${fn.timeoutSeconds}`,
      )
    }
  }
  const memories = new Set(manifest.functions.map((fn) => fn.memoryMb))
  if (memories.size > 1) {
    add(
      'azure',
      `app '${manifest.app}'`,
      'warning',
      `memory is set per Function App on Azure, not per function; the largest (${Math.max(...memories)} MB) applies to all`,
    )
  }

  const failing = new Set(findings.filter((f) => f.severity === 'error').map((f) => f.cloud))
  return {
    app: manifest.app,
    clouds,
    functions,
    findings,
    portableTo: clouds.filter((cloud) => !failing.has(cloud)),
    limits: {
      queueMessageBytes: Math.min(...clouds.map((cloud) => queueMessageLimits[cloud])),
      ...((manifest.topics ?? []).length > 0
        ? {
            topics: {
              messageBytes: topicMessageLimit,
              attributes: topicAttributeLimit,
              filterAttributes: topicFilterNameLimit,
              filterValues: topicFilterValueLimit,
            },
          }
        : {}),
    },
  }
}

function functionOnCloud(fn: ManifestFunction, cloud: Cloud): { ok: boolean; detail: string } {
  const { trigger } = fn
  if (trigger.type !== 'timer' || cloud === 'local') return { ok: true, detail: 'ok' }
  const schedule = parseSchedule(trigger, `app.timer('${fn.name}')`)
  try {
    return {
      ok: true,
      detail: cloud === 'aws' ? toAwsSchedule(schedule, fn.name) : toAzureSchedule(schedule, fn.name),
    }
  } catch (error) {
    if (error instanceof PortabilityError)
      return { ok: false, detail: `schedule '${schedule.source}': ${error.reason}` }
    throw error
  }
}

type Add = (cloud: Cloud, subject: string, severity: Severity, message: string) => void

function checkQueues(manifest: Manifest, add: Add): void {
  const consumers = manifest.functions.filter((fn) => fn.trigger.type === 'queue')
  for (const queue of manifest.queues) {
    const subject = `queue '${queue.name}'`
    if (queue.fifo)
      add(
        'azure',
        subject,
        'error',
        'Azure Storage Queues do not keep messages in order, so fifo: true cannot be honoured; drop fifo or keep this app off Azure',
      )
    for (const consumer of consumers) {
      if (consumer.trigger.type !== 'queue' || consumer.trigger.queue !== queue.name) continue
      if (queue.visibilityTimeoutSeconds < 6 * consumer.timeoutSeconds) {
        add(
          'aws',
          subject,
          'warning',
          `the deploy raises its visibility timeout from ${queue.visibilityTimeoutSeconds} s to ${Math.min(43200, 6 * consumer.timeoutSeconds)} s, 6 times the timeout of its consumer '${consumer.name}' as AWS advises (Lambda rejects one shorter than the function timeout); declare visibilityTimeoutSeconds: ${Math.min(43200, 6 * consumer.timeoutSeconds)} to have the same everywhere`,
        )
      }
    }
  }
  const consumed = manifest.queues.filter((q) =>
    consumers.some((c) => c.trigger.type === 'queue' && c.trigger.queue === q.name),
  )
  const attempts = new Set(consumed.map((q) => q.maxAttempts))
  if (attempts.size > 1) {
    add(
      'azure',
      `app '${manifest.app}'`,
      'error',
      `its queues ask for different maxAttempts (${[...attempts].join(', ')}), but an Azure Function App has one maxDequeueCount for all its queues; use one value, or split the app`,
    )
  }
  const visibility = new Set(consumed.map((q) => q.visibilityTimeoutSeconds))
  if (visibility.size > 1) {
    add(
      'azure',
      `app '${manifest.app}'`,
      'warning',
      `Azure has one retry delay for all queues of an app; the shortest visibilityTimeoutSeconds (${Math.min(...visibility)} s) applies to all`,
    )
  }
}

/** Each queue gets a dead-letter queue beside it; another queue must not already have that name. */
function checkPhysicalNames(manifest: Manifest, add: Add): void {
  const names = new Set(manifest.queues.map((q) => q.name))
  const suffixes: [Cloud, string][] = [
    ['aws', '-dlq'],
    ['local', '-dlq'],
    ['azure', '-poison'],
  ]
  for (const queue of manifest.queues) {
    for (const [cloud, suffix] of suffixes) {
      if (names.has(`${queue.name}${suffix}`)) {
        add(
          cloud,
          `queue '${queue.name}'`,
          'error',
          `its dead-letter queue on ${cloud} is named '${queue.name}${suffix}', which is also the name of another queue of the app; rename that queue`,
        )
      }
    }
  }
}

function checkBlobs(manifest: Manifest, add: Add): void {
  const blobs = manifest.functions.flatMap((fn) =>
    fn.trigger.type === 'blob' ? [{ name: fn.name, trigger: fn.trigger }] : [],
  )
  const names = new Set(manifest.functions.map((fn) => fn.name))
  for (const [index, { name, trigger }] of blobs.entries()) {
    if (trigger.events.length > 1 && names.has(`${name}-deleted`))
      add(
        'azure',
        `function '${name}'`,
        'error',
        `on Azure its deletions run as a function named '${name}-deleted', which the app already has; rename one of them`,
      )
    for (const other of blobs.slice(index + 1)) {
      const sameEvents = trigger.events.some((e) => other.trigger.events.includes(e))
      const overlaps =
        other.trigger.bucket === trigger.bucket &&
        sameEvents &&
        (trigger.prefix.startsWith(other.trigger.prefix) ||
          other.trigger.prefix.startsWith(trigger.prefix)) &&
        (trigger.suffix.endsWith(other.trigger.suffix) || other.trigger.suffix.endsWith(trigger.suffix))
      if (overlaps) {
        add(
          'aws',
          `function '${name}'`,
          'error',
          `S3 refuses two notifications whose prefixes and suffixes overlap for the same event, and function '${other.name}' listens to the same objects of bucket '${trigger.bucket}'; make their prefixes or suffixes disjoint`,
        )
      }
    }
  }
}

/** A one-line description of a trigger, for reports. */
export function describeTrigger(trigger: ManifestTrigger): string {
  switch (trigger.type) {
    case 'http':
      return `http ${trigger.methods.join(',')} ${trigger.route}${trigger.auth === 'key' ? ' (key)' : ''}`
    case 'queue':
      return `queue ${trigger.queue}`
    case 'timer':
      return 'every' in trigger ? `timer every ${trigger.every}` : `timer ${trigger.schedule}`
    case 'blob':
      return `blob ${trigger.bucket}/${trigger.prefix}*${trigger.suffix} (${trigger.events.join(',')})`
    case 'topic': {
      const filter = Object.entries(trigger.filter).map(([name, values]) => `${name}=${values.join('|')}`)
      return `topic ${trigger.topic}${filter.length > 0 ? ` (${filter.join(', ')})` : ''}`
    }
  }
}
