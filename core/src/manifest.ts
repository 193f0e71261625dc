import type { Registry } from './app.js'
import type { BlobEventType, FunctionDefinition } from './definitions.js'
import { type Grant, grantsOf } from './grants.js'
import type { HttpAuth, HttpMethod } from './http/types.js'
import { validateName } from './names.js'
import type { QueueSpec } from './resources.js'
import type { SecretSpec } from './secrets.js'
import type { TopicSpec } from './topics.js'

export const manifestVersion = 1

export type ManifestTrigger =
  | {
      readonly type: 'http'
      readonly methods: readonly HttpMethod[]
      readonly route: string
      readonly auth: HttpAuth
    }
  | { readonly type: 'queue'; readonly queue: string; readonly batchSize: number }
  | { readonly type: 'timer'; readonly schedule: string }
  | { readonly type: 'timer'; readonly every: string }
  | {
      readonly type: 'blob'
      readonly bucket: string
      readonly prefix: string
      readonly suffix: string
      readonly events: readonly BlobEventType[]
    }
  | {
      readonly type: 'topic'
      readonly topic: string
      readonly filter: Readonly<Record<string, readonly string[]>>
      readonly maxAttempts: number
      readonly visibilityTimeoutSeconds: number
      readonly batchSize: number
    }

export interface ManifestFunction {
  readonly name: string
  readonly trigger: ManifestTrigger
  readonly timeoutSeconds: number
  readonly memoryMb: number
  /** What the function may do with the app's resources: its `uses`, plus what its trigger implies. */
  readonly uses: readonly Grant[]
}

/** The plain JSON description of an app: the input of every build, plan and check. */
export interface Manifest {
  readonly manifestVersion: typeof manifestVersion
  readonly app: string
  readonly functions: readonly ManifestFunction[]
  readonly queues: readonly QueueSpec[]
  readonly buckets: readonly { readonly name: string }[]
  /**
   * The topics it publishes to or subscribes to; absent when there are none, so the manifest of
   * an app without topics is the same, byte for byte, as before topics existed.
   */
  readonly topics?: readonly TopicSpec[]
  /** The secrets its functions read; absent when there are none. */
  readonly secrets?: readonly SecretSpec[]
}

/**
 * Describes a registry as a manifest, sorted by name so the same code always gives the same bytes.
 *
 * @example
 * JSON.stringify(toManifest(defaultRegistry(), { app: 'orders' }))
 */
export function toManifest(registry: Registry, options: { app: string }): Manifest {
  validateName('app', options.app, 'app name')
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  const topics = [...registry.resources.topics.values()].map(({ name }) => ({ name })).sort(byName)
  const secrets = [...registry.resources.secrets.values()].map(({ name }) => ({ name })).sort(byName)
  return {
    manifestVersion,
    app: options.app,
    functions: [...registry.functions.values()].map(describeFunction).sort(byName),
    queues: [...registry.resources.queues.values()]
      .map(({ name, maxAttempts, visibilityTimeoutSeconds, fifo }) => ({
        name,
        maxAttempts,
        visibilityTimeoutSeconds,
        fifo,
      }))
      .sort(byName),
    buckets: [...registry.resources.buckets.values()].map(({ name }) => ({ name })).sort(byName),
    ...(topics.length > 0 ? { topics } : {}),
    ...(secrets.length > 0 ? { secrets } : {}),
  }
}

function describeFunction(fn: FunctionDefinition): ManifestFunction {
  const { trigger } = fn
  const described: ManifestTrigger =
    trigger.type === 'http'
      ? { type: 'http', methods: trigger.methods, route: trigger.route.template, auth: trigger.auth }
      : trigger.type === 'queue'
        ? { type: 'queue', queue: trigger.queue, batchSize: trigger.batchSize }
        : trigger.type === 'timer'
          ? trigger.schedule.every === undefined
            ? { type: 'timer', schedule: trigger.schedule.schedule ?? '' }
            : { type: 'timer', every: trigger.schedule.every }
          : trigger.type === 'topic'
            ? {
                type: 'topic',
                topic: trigger.topic,
                // Sorted, so the same filter always gives the same manifest.
                filter: Object.fromEntries(
                  Object.entries(trigger.filter)
                    .map(([attribute, values]) => [attribute, [...values].sort()] as const)
                    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
                ),
                maxAttempts: trigger.maxAttempts,
                visibilityTimeoutSeconds: trigger.visibilityTimeoutSeconds,
                batchSize: trigger.batchSize,
              }
            : {
                type: 'blob',
                bucket: trigger.bucket,
                prefix: trigger.prefix,
                suffix: trigger.suffix,
                events: trigger.events,
              }
  return { name: fn.name, trigger: described, ...fn.settings, uses: grantsOf(fn) }
}
