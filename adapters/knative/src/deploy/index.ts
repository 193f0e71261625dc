import { randomBytes } from 'node:crypto'
import { type Change, hashApiKey, runChanges, XfnError } from '@xfn/core'
import { httpServiceName, type KnativePlace, keySecretName, labelsOf, userSecretsName } from '../names.js'
import type { Kube } from './kube.js'
import { type KubeObject, kinds } from './manifests.js'

export { namespaceOf, serviceNameOf } from '../names.js'
export { publishImage } from './image.js'
export { connectKube, type Kube } from './kube.js'
export { desiredObjects, namespaceObject } from './manifests.js'

type KubeChange = Change<Kube>

export const selectorOf = (place: KnativePlace) =>
  Object.entries(labelsOf(place))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')

/** The app's key: the one its Secret holds, or a new one on the first deploy. */
export async function appKeyOf(kube: Kube, place: KnativePlace): Promise<{ key: string; sha256: string }> {
  const secret = await kube.read({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: keySecretName, namespace: place.namespace },
  })
  const data = (secret?.data ?? {}) as Record<string, string>
  const key = data['api-key']
    ? Buffer.from(data['api-key'], 'base64').toString('utf8')
    : randomBytes(24).toString('base64url')
  return { key, sha256: hashApiKey(key) }
}

/**
 * What a deploy changes: each desired object that is missing or differs from what the cluster has
 * (compared field by field on what xfn sets, so the defaults the cluster adds are no difference),
 * and each object labelled as the app's that the app no longer has. A redeploy with nothing new
 * plans nothing and sends the API server no write.
 */
export async function planDeploy(
  kube: Kube,
  place: KnativePlace,
  desired: readonly KubeObject[],
): Promise<KubeChange[]> {
  const changes: KubeChange[] = []
  const order = (kind: string) => kinds.findIndex((k) => k.kind === kind)
  for (const object of desired) {
    const live = await kube.read(object)
    if (live && contains(live, asStored(object))) continue
    changes.push({
      action: live ? 'update' : 'create',
      kind: object.kind,
      name: object.metadata.name,
      reason: live ? 'differs from the cluster' : 'new',
      phase: order(object.kind),
      run: async (k) => void (await k.apply(object)),
    })
  }
  // The app's secrets are `xfn secret set`'s, not the deploy's to remove.
  const wanted = new Set([...desired.map((o) => `${o.kind}/${o.metadata.name}`), `Secret/${userSecretsName}`])
  for (const stale of await labelled(kube, place))
    if (!wanted.has(`${stale.kind}/${stale.metadata.name}`))
      changes.push(removal(stale, 'no longer in the app'))
  return changes
}

/** Everything labelled as the app's, the namespace last. */
export async function labelled(kube: Kube, place: KnativePlace): Promise<KubeObject[]> {
  const found: KubeObject[] = []
  for (const k of kinds)
    for (const item of await kube.list(
      k.apiVersion,
      k.kind,
      k.namespaced ? place.namespace : undefined,
      selectorOf(place),
    ))
      found.push({ ...item, apiVersion: k.apiVersion, kind: k.kind })
  return found
}

function removal(object: KubeObject, reason: string): KubeChange {
  const phase = object.kind === 'Namespace' ? 10 : 9 - kinds.findIndex((k) => k.kind === object.kind)
  const { apiVersion, kind, metadata } = object
  return {
    action: 'delete',
    kind,
    name: metadata.name,
    reason,
    phase,
    run: (k) =>
      k.remove({ apiVersion, kind, metadata: { name: metadata.name, namespace: metadata.namespace } }),
  }
}

/** What destroy removes: every object labelled as the app's, its namespace last. */
export async function planDestroy(kube: Kube, place: KnativePlace): Promise<KubeChange[]> {
  return (await labelled(kube, place)).map((o) => removal(o, 'part of the app'))
}

export async function applyChanges(
  kube: Kube,
  changes: readonly KubeChange[],
  onProgress?: Parameters<typeof runChanges<Kube>>[2]['onProgress'],
) {
  await runChanges(changes, kube, {
    onProgress,
    failure: (step, error) =>
      error instanceof XfnError
        ? new XfnError(error.code, `${step}: ${error.message} Run the deploy again to finish.`)
        : (error as Error),
  })
}

/** A Secret's `stringData` as the API server stores it: base64 under `data`. */
function asStored(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || !object.stringData) return object
  const { stringData, ...rest } = object as KubeObject & { stringData: Record<string, string> }
  return {
    ...rest,
    data: Object.fromEntries(
      Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
  }
}

/** Whether `live` has every field `wanted` sets, with the same value (lists item by item, same length). */
export function contains(live: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted))
    return (
      Array.isArray(live) && live.length === wanted.length && wanted.every((w, i) => contains(live[i], w))
    )
  if (wanted !== null && typeof wanted === 'object')
    return (
      live !== null &&
      typeof live === 'object' &&
      Object.entries(wanted).every(([k, v]) => contains((live as Record<string, unknown>)[k], v))
    )
  return live === wanted
}

/** The app's base URL: the `http` Service's URL, as Knative reports it in its status. */
export async function baseUrlOf(kube: Kube, place: KnativePlace): Promise<string | undefined> {
  const service = await kube.read({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: httpServiceName, namespace: place.namespace },
  })
  return ((service?.status ?? {}) as { url?: string }).url
}
