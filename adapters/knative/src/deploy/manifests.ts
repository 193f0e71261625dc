import { createHash } from 'node:crypto'
import type { Manifest, ManifestFunction } from '@xfn/core'
import {
  brokerName,
  httpServiceName,
  type KnativePlace,
  kebab,
  keySecretName,
  labelsOf,
  serviceNameOf,
  userSecretsName,
} from '../names.js'
import { deadLetterPath, eventPath, pingType, queueMessageType, topicMessageType } from '../runtime/paths.js'
import { knativeEnv, secretsDir } from '../runtime/settings.js'
import { toPingSchedule } from '../schedule.js'

/*
 * The Kubernetes objects of an app on Knative, as plain JSON for server-side apply. Every object
 * carries the labels below, so destroy finds exactly what xfn made. One namespace per app and
 * stage holds them all.
 */

export interface KubeObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: {
    readonly name: string
    readonly namespace?: string
    readonly labels?: Readonly<Record<string, string>>
    readonly annotations?: Readonly<Record<string, string>>
  }
  readonly [field: string]: unknown
}

/** The app's objects, by kind, as the API server names their collections (for reads and deletes). */
export const kinds = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', plural: 'brokers', namespaced: true },
  { apiVersion: 'serving.knative.dev/v1', kind: 'Service', plural: 'services', namespaced: true },
  { apiVersion: 'eventing.knative.dev/v1', kind: 'Trigger', plural: 'triggers', namespaced: true },
  { apiVersion: 'sources.knative.dev/v1', kind: 'PingSource', plural: 'pingsources', namespaced: true },
] as const

export interface DesiredInput {
  readonly place: KnativePlace
  readonly manifest: Manifest
  readonly image: string
  /** The class of the broker (`eventing.knative.dev/broker.class`). */
  readonly brokerClass: string
  /** The app's settings (env in xfn.config.ts), for every function. */
  readonly env: Readonly<Record<string, string>>
  /** The S3-compatible store of the app's buckets, when it has any. */
  readonly storage: KnativeStorage | undefined
  /** The SHA-256 of the app's key, and the key, kept in its Secret. */
  readonly apiKey: { readonly key: string; readonly sha256: string }
}

export interface KnativeStorage {
  readonly endpoint: string
  readonly region?: string
  /** The Secret in the app's namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the store. */
  readonly secret?: string
  /** A prefix of the store's bucket names (default: the namespace). */
  readonly bucketPrefix?: string
}

/** Where the broker takes events, by the documented address of an MT channel-based broker's ingress. */
const brokerUrlOf = (namespace: string) =>
  `http://broker-ingress.knative-eventing.svc.cluster.local/${namespace}/${brokerName}`

/** The store's name of a bucket of the app (`dead-letters` is xfn's own). */
function storeBucketName(place: KnativePlace, storage: KnativeStorage | undefined, name: string): string {
  return `${storage?.bucketPrefix ?? place.namespace}-${kebab(name)}`
}

/** The namespace of an app and stage, which holds all its objects. */
export function namespaceObject(place: KnativePlace): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: place.namespace, labels: labelsOf(place) } }
}

/** Every object of the app, in the order they are applied. */
export function desiredObjects(input: DesiredInput): KubeObject[] {
  const { place, manifest } = input
  const labels = labelsOf(place)
  const meta = (name: string, more: { annotations?: Record<string, string> } = {}) => ({
    name,
    namespace: place.namespace,
    labels,
    ...more,
  })
  const objects: KubeObject[] = [
    namespaceObject(place),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(keySecretName),
      type: 'Opaque',
      stringData: { 'api-key': input.apiKey.key, XFN_API_KEY_SHA256: input.apiKey.sha256 },
    },
  ]
  const consumers = manifest.functions.filter((fn) => fn.trigger.type !== 'http')
  const messaging = consumers.length > 0 || manifest.queues.length > 0 || (manifest.topics ?? []).length > 0
  if (messaging)
    objects.push({
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Broker',
      metadata: meta(brokerName, { annotations: { 'eventing.knative.dev/broker.class': input.brokerClass } }),
      spec: {},
    })
  const services = new Map<string, ManifestFunction[]>()
  for (const fn of manifest.functions)
    services.set(serviceNameOf(fn), [...(services.get(serviceNameOf(fn)) ?? []), fn])
  const buckets = Object.fromEntries(
    manifest.buckets.map((b) => [b.name, storeBucketName(place, input.storage, b.name)]),
  )
  const watched = [
    ...new Set(manifest.functions.flatMap((fn) => (fn.trigger.type === 'blob' ? [fn.trigger.bucket] : []))),
  ]
  for (const [name, fns] of services) {
    // A consumer's Service takes events from the broker only: it gets no route from outside.
    const metadata =
      name === httpServiceName
        ? meta(name)
        : { ...meta(name), labels: { ...labels, 'networking.knative.dev/visibility': 'cluster-local' } }
    objects.push(
      service(metadata, fns, input, { buckets, watched: watched.filter((b) => usesBucket(fns, b)) }),
    )
  }
  for (const fn of consumers) {
    const subscriber = {
      ref: {
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        name: serviceNameOf(fn),
        namespace: place.namespace,
      },
      uri: eventPath(fn.name),
    }
    if (fn.trigger.type === 'timer') {
      objects.push({
        apiVersion: 'sources.knative.dev/v1',
        kind: 'PingSource',
        metadata: meta(serviceNameOf(fn)),
        spec: {
          schedule: toPingSchedule(fn),
          timezone: 'Etc/UTC',
          contentType: 'application/json',
          data: JSON.stringify({ function: fn.name }),
          sink: subscriber,
        },
      })
      continue
    }
    objects.push({
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Trigger',
      metadata: meta(serviceNameOf(fn)),
      spec: {
        broker: brokerName,
        filter: { attributes: filterOf(fn) },
        subscriber,
        delivery: deliveryOf(fn, manifest),
      },
    })
  }
  return objects
}

/** What a Trigger passes to a function: the events of its queue, topic or bucket. */
function filterOf(fn: ManifestFunction): Record<string, string> {
  const trigger = fn.trigger
  if (trigger.type === 'queue') return { type: queueMessageType, xfnqueue: trigger.queue }
  if (trigger.type === 'topic') return { type: topicMessageType, xfntopic: trigger.topic }
  if (trigger.type === 'blob') return { xfnbucket: trigger.bucket }
  return { type: pingType }
}

/**
 * Retries, backoff and the dead-letter sink of a function's deliveries: a queue's maxAttempts
 * (Knative's `retry` counts the attempts after the first), an exponential backoff from one second.
 * Dead letters go back to the consumer's own Service, which writes each, body and reason, to its log.
 */
function deliveryOf(fn: ManifestFunction, manifest: Manifest) {
  const trigger = fn.trigger
  const attempts =
    trigger.type === 'queue'
      ? (manifest.queues.find((q) => q.name === trigger.queue)?.maxAttempts ?? 3)
      : trigger.type === 'topic'
        ? trigger.maxAttempts
        : 3
  return {
    retry: attempts - 1,
    backoffPolicy: 'exponential',
    backoffDelay: 'PT1S',
    timeout: `PT${fn.timeoutSeconds}S`,
    deadLetterSink: {
      ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: serviceNameOf(fn) },
      uri: deadLetterPath(fn.name),
    },
  }
}

function usesBucket(fns: readonly ManifestFunction[], bucket: string): boolean {
  return fns.some((fn) =>
    fn.uses.some((g) => g.resource === 'bucket' && g.name === bucket && g.access.includes('write')),
  )
}

function service(
  metadata: KubeObject['metadata'],
  fns: readonly ManifestFunction[],
  input: DesiredInput,
  buckets: { buckets: Record<string, string>; watched: string[] },
): KubeObject {
  // The Service's visibility is the Route's to know, not the revisions'.
  const { 'networking.knative.dev/visibility': _visibility, ...templateLabels } = metadata.labels ?? {}
  const timeoutSeconds = Math.max(...fns.map((fn) => fn.timeoutSeconds))
  const memoryMb = Math.max(...fns.map((fn) => fn.memoryMb))
  const env = [
    ...knativeEnv({
      app: input.place.app,
      functions: fns.map((fn) => fn.name),
      brokerUrl: brokerUrlOf(input.place.namespace),
      buckets: buckets.buckets,
      watchedBuckets: buckets.watched,
      storeEndpoint: input.storage?.endpoint,
      storeRegion: input.storage?.region,
      deadLettersBucket: input.storage
        ? storeBucketName(input.place, input.storage, 'dead-letters')
        : undefined,
    }),
    ...Object.entries(input.env).map(([name, value]) => ({ name, value })),
    {
      name: 'XFN_API_KEY_SHA256',
      valueFrom: { secretKeyRef: { name: keySecretName, key: 'XFN_API_KEY_SHA256' } },
    },
  ]
  // The template's digest of what the pods run: a change of the key's Secret alone rolls none out.
  const revision = createHash('sha256')
    .update(JSON.stringify({ env, image: input.image }))
    .digest('hex')
    .slice(0, 12)
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata,
    spec: {
      template: {
        metadata: {
          labels: templateLabels,
          annotations: {
            'autoscaling.knative.dev/min-scale': '0',
            'xfn.dev/functions': fns.map((fn) => fn.name).join(','),
            'xfn.dev/template': revision,
          },
        },
        spec: {
          timeoutSeconds,
          containers: [
            {
              name: 'app',
              image: input.image,
              ports: [{ containerPort: 8080 }],
              env,
              ...(input.storage?.secret
                ? { envFrom: [{ secretRef: { name: input.storage.secret, optional: false } }] }
                : {}),
              resources: { limits: { memory: `${memoryMb}Mi` } },
              volumeMounts: [{ name: 'secrets', mountPath: secretsDir, readOnly: true }],
            },
          ],
          volumes: [{ name: 'secrets', secret: { secretName: userSecretsName, optional: true } }],
        },
      },
    },
  }
}
