import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { schemaErrors } from './schemas.js'

/*
 * A Kubernetes API server for the tests, on 127.0.0.1, for the requests xfn's Knative target makes
 * through the Kubernetes client for JavaScript. It follows the API as documented:
 *
 * - discovery (`/api/v1`, `/apis/<group>/<version>`), which the client reads to find a kind's path;
 * - server-side apply (PATCH, `application/apply-patch+yaml`): `fieldManager` is required; an
 *   object is created when missing (201); each manager owns the fields it applied, a field it no
 *   longer applies is removed unless another manager owns it, and a field owned by another manager
 *   with another value is a 409 conflict unless `force=true`. Lists are owned whole, as lists of
 *   `x-kubernetes-list-type: atomic` (a simplification: the API server merges keyed lists item by
 *   item). `managedFields` in the answer name each manager's fields;
 * - a JSON merge patch (RFC 7386), reads, lists by label selector, deletes (a namespace takes its
 *   objects with it);
 * - every object written is checked against its kind's schemas (./schemas.ts), with strict field
 *   validation: an invalid body is a 422 with the reasons; an object in a namespace that does not
 *   exist is a 404, as the API server answers;
 * - a Secret's `stringData` is stored as base64 `data`, and never returned.
 *
 * What a controller would do is played in the smallest way: a Knative Service gets a URL and a
 * Ready condition in its status. Pods and their logs are what a test puts there.
 */

interface Stored {
  object: Record<string, unknown>
  /** The leaf paths each manager owns, with the value it applied. */
  owners: Map<string, Map<string, string>>
}

const groups: Record<string, { kind: string; name: string; namespaced: boolean }[]> = {
  v1: [
    { kind: 'Namespace', name: 'namespaces', namespaced: false },
    { kind: 'Secret', name: 'secrets', namespaced: true },
    { kind: 'Pod', name: 'pods', namespaced: true },
  ],
  'serving.knative.dev/v1': [{ kind: 'Service', name: 'services', namespaced: true }],
  'eventing.knative.dev/v1': [
    { kind: 'Broker', name: 'brokers', namespaced: true },
    { kind: 'Trigger', name: 'triggers', namespaced: true },
  ],
  'sources.knative.dev/v1': [{ kind: 'PingSource', name: 'pingsources', namespaced: true }],
}

export interface FakeKubeRequest {
  readonly method: string
  readonly path: string
  readonly contentType: string | undefined
}

export interface FakeKube {
  readonly url: string
  /** A kubeconfig file for the fake, with one context `fake`. */
  readonly kubeconfig: string
  readonly requests: FakeKubeRequest[]
  /** Requests that could change something: POST, PUT, PATCH and DELETE. */
  mutating(): FakeKubeRequest[]
  /** Every object, as the API server would return it. */
  objects(): Record<string, unknown>[]
  addPod(namespace: string, service: string, log: string): void
  stop(): Promise<void>
}

export async function startFakeKube(): Promise<FakeKube> {
  const store = new Map<string, Stored>()
  const pods: { namespace: string; service: string; name: string; log: string }[] = []
  const requests: FakeKubeRequest[] = []
  let version = 1

  const keyOf = (apiVersion: string, kind: string, namespace: string | undefined, name: string) =>
    `${apiVersion}|${kind}|${namespace ?? ''}|${name}`

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      requests.push({
        method: req.method ?? 'GET',
        path: req.url ?? '',
        contentType: req.headers['content-type'],
      })
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'))
      } catch (error) {
        status(res, 500, 'InternalError', String(error))
      }
    })
  })

  function handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', 'http://fake')
    const parts = url.pathname.split('/').filter(Boolean)
    // Discovery.
    if (req.method === 'GET' && (url.pathname === '/api/v1' || (parts[0] === 'apis' && parts.length === 3))) {
      const groupVersion = url.pathname === '/api/v1' ? 'v1' : `${parts[1]}/${parts[2]}`
      const resources = groups[groupVersion]
      if (!resources) return status(res, 404, 'NotFound', `the server could not find the requested resource`)
      return json(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion,
        resources: resources.map((r) => ({
          name: r.name,
          singularName: r.kind.toLowerCase(),
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        })),
      })
    }
    const route = routeOf(parts)
    if (!route)
      return status(
        res,
        404,
        'NotFound',
        `the server could not find the requested resource (${url.pathname})`,
      )
    const { apiVersion, resource, namespace, name, sub } = route
    if (resource.kind === 'Pod') return servePods(res, namespace, name, sub, url)
    const key = name ? keyOf(apiVersion, resource.kind, namespace, name) : ''
    switch (req.method) {
      case 'GET': {
        if (name) {
          const found = store.get(key)
          return found ? json(res, 200, visible(found)) : notFound(res, resource.name, name)
        }
        const selector = url.searchParams.get('labelSelector') ?? ''
        const items = [...store.entries()]
          .filter(
            ([k]) =>
              k.startsWith(`${apiVersion}|${resource.kind}|${namespace ?? ''}|`) ||
              (!resource.namespaced && k.startsWith(`${apiVersion}|${resource.kind}|`)),
          )
          .map(([, s]) => s)
          .filter((s) =>
            matches(selector, (s.object.metadata as { labels?: Record<string, string> }).labels ?? {}),
          )
          .map(visible)
        return json(res, 200, {
          kind: `${resource.kind}List`,
          apiVersion,
          metadata: { resourceVersion: String(version) },
          items,
        })
      }
      case 'PATCH': {
        if (!name) return status(res, 405, 'MethodNotAllowed', 'PATCH needs a name')
        const type = (req.headers['content-type'] ?? '').split(';')[0]
        if (type === 'application/apply-patch+yaml')
          return apply(res, url, apiVersion, resource, namespace, name, body)
        if (type === 'application/merge-patch+json') return mergePatch(res, key, resource, name, body)
        return status(
          res,
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml, application/merge-patch+json`,
        )
      }
      case 'DELETE': {
        if (!name) return status(res, 405, 'MethodNotAllowed', 'DELETE needs a name')
        const found = store.get(key)
        if (!found) return notFound(res, resource.name, name)
        store.delete(key)
        if (resource.kind === 'Namespace')
          for (const k of [...store.keys()]) if (k.split('|')[2] === name) store.delete(k)
        version++
        return status(res, 200, 'Success', `${resource.name} "${name}" deleted`)
      }
      default:
        return status(res, 405, 'MethodNotAllowed', `${req.method} is not served here`)
    }
  }

  function apply(
    res: ServerResponse,
    url: URL,
    apiVersion: string,
    resource: { kind: string; name: string; namespaced: boolean },
    namespace: string | undefined,
    name: string,
    body: string,
  ) {
    const manager = url.searchParams.get('fieldManager')
    if (!manager)
      return status(
        res,
        400,
        'BadRequest',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      )
    const force = url.searchParams.get('force') === 'true'
    // JSON is YAML; the client sends JSON.
    const config = JSON.parse(body) as Record<string, unknown> & { metadata?: Record<string, unknown> }
    if (config.apiVersion !== apiVersion || config.kind !== resource.kind)
      return status(
        res,
        400,
        'BadRequest',
        `the apiVersion and kind of the body (${config.apiVersion} ${config.kind}) do not match the request (${apiVersion} ${resource.kind})`,
      )
    if (config.metadata?.name !== name)
      return status(
        res,
        400,
        'BadRequest',
        `the name of the object (${String(config.metadata?.name)}) does not match the name on the URL (${name})`,
      )
    if (
      resource.namespaced &&
      config.metadata?.namespace !== undefined &&
      config.metadata.namespace !== namespace
    )
      return status(
        res,
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      )
    if (resource.namespaced && !store.has(keyOf('v1', 'Namespace', undefined, namespace ?? '')))
      return status(res, 404, 'NotFound', `namespaces "${namespace}" not found`, {
        name: namespace,
        kind: 'namespaces',
      })
    const errors = schemaErrors(config as never)
    if (errors.length > 0)
      return status(
        res,
        422,
        'Invalid',
        `${resource.kind}.${apiVersion} "${name}" is invalid: ${errors.join('; ')}`,
      )
    const key = keyOf(apiVersion, resource.kind, namespace, name)
    const existing = store.get(key)
    const applied = leaves(withoutIdentity(asStored(config)))
    const stored: Stored = existing ?? {
      object: {
        apiVersion,
        kind: resource.kind,
        metadata: {
          name,
          ...(resource.namespaced ? { namespace } : {}),
          uid: randomUUID(),
          creationTimestamp: new Date().toISOString(),
          generation: 1,
        },
      },
      owners: new Map(),
    }
    const conflicts: string[] = []
    for (const [path, value] of applied)
      for (const [other, fields] of stored.owners)
        if (other !== manager && fields.has(path) && fields.get(path) !== value) {
          if (force) fields.delete(path)
          else conflicts.push(`conflict with "${other}": ${path}`)
        }
    if (conflicts.length > 0)
      return status(
        res,
        409,
        'Conflict',
        `Apply failed with ${conflicts.length} conflict(s): ${conflicts.join('; ')}`,
      )
    const before = JSON.stringify(stored.object)
    const previous = stored.owners.get(manager) ?? new Map<string, string>()
    for (const path of previous.keys())
      if (!applied.has(path) && ![...stored.owners].some(([m, f]) => m !== manager && f.has(path)))
        removePath(stored.object, path)
    for (const [path, value] of applied) setPath(stored.object, path, JSON.parse(value))
    stored.owners.set(manager, applied)
    if (!existing) store.set(key, stored)
    if (JSON.stringify(stored.object) !== before) {
      version++
      const meta = stored.object.metadata as Record<string, unknown>
      if (existing) meta.generation = Number(meta.generation) + 1
      if (resource.kind === 'Service')
        stored.object.status = {
          url: `http://${name}.${namespace}.example.com`,
          conditions: [{ type: 'Ready', status: 'True' }],
        }
    }
    json(res, existing ? 200 : 201, visible(stored))
  }

  function mergePatch(
    res: ServerResponse,
    key: string,
    resource: { kind: string; name: string },
    name: string,
    body: string,
  ) {
    const stored = store.get(key)
    if (!stored) return notFound(res, resource.name, name)
    const merged = merge(stored.object, asStored(JSON.parse(body) as Record<string, unknown>)) as Record<
      string,
      unknown
    >
    const errors = schemaErrors(merged as never)
    if (errors.length > 0) return status(res, 422, 'Invalid', errors.join('; '))
    stored.object = merged
    version++
    json(res, 200, visible(stored))
  }

  function servePods(
    res: ServerResponse,
    namespace: string | undefined,
    name: string | undefined,
    sub: string | undefined,
    url: URL,
  ) {
    if (name && sub === 'log') {
      const pod = pods.find((p) => p.namespace === namespace && p.name === name)
      if (!pod) return notFound(res, 'pods', name)
      res.writeHead(200, { 'content-type': 'text/plain' }).end(pod.log)
      return
    }
    const selector = url.searchParams.get('labelSelector') ?? ''
    const items = pods
      .filter(
        (p) => p.namespace === namespace && matches(selector, { 'serving.knative.dev/service': p.service }),
      )
      .map((p) => ({
        metadata: {
          name: p.name,
          namespace: p.namespace,
          labels: { 'serving.knative.dev/service': p.service },
        },
      }))
    json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items })
  }

  function visible(stored: Stored): Record<string, unknown> {
    const meta = stored.object.metadata as Record<string, unknown>
    return {
      ...stored.object,
      metadata: {
        ...meta,
        resourceVersion: String(version),
        managedFields: [...stored.owners].map(([manager, fields]) => ({
          manager,
          operation: 'Apply',
          apiVersion: stored.object.apiVersion,
          fieldsType: 'FieldsV1',
          fieldsV1: fieldsV1(fields.keys()),
        })),
      },
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'xfn-kube-')), 'config')
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // The client speaks plain HTTP only to a cluster marked so.
      clusters: [{ name: 'fake', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'fake', user: { token: 'fake-token' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
      'current-context': 'fake',
    }),
  )
  return {
    url,
    kubeconfig,
    requests,
    mutating: () => requests.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)),
    objects: () => [...store.values()].map(visible),
    addPod: (namespace, service, log) =>
      pods.push({ namespace, service, name: `${service}-00001-deployment-${pods.length}`, log }),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

function routeOf(parts: string[]) {
  // /api/v1/[namespaces/<ns>/]<resource>[/<name>[/<sub>]] or /apis/<group>/<version>/...
  let apiVersion: string
  let rest: string[]
  if (parts[0] === 'api' && parts[1] === 'v1') {
    apiVersion = 'v1'
    rest = parts.slice(2)
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    apiVersion = `${parts[1]}/${parts[2]}`
    rest = parts.slice(3)
  } else return undefined
  let namespace: string | undefined
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]
    rest = rest.slice(2)
  }
  const resource = groups[apiVersion]?.find((r) => r.name === rest[0])
  if (!resource) return undefined
  if (!resource.namespaced && namespace) return undefined
  // A namespace is itself at /api/v1/namespaces/<name>.
  return { apiVersion, resource, namespace, name: rest[1], sub: rest[2] }
}

const json = (res: ServerResponse, code: number, body: unknown) =>
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body))

function status(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: { name?: string; kind: string },
) {
  json(res, code, {
    ...(details ? { details } : {}),
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    reason,
    code,
  })
}

const notFound = (res: ServerResponse, plural: string, name: string) =>
  status(res, 404, 'NotFound', `${plural} "${name}" not found`)

/** Equality-based label selectors: `a=b,c=d`. */
function matches(selector: string, labels: Record<string, string>): boolean {
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [k = '', v] = term.split('=')
      return labels[k] === v
    })
}

function asStored(object: Record<string, unknown>): Record<string, unknown> {
  if (object.kind !== 'Secret' || !object.stringData) return object
  const { stringData, ...rest } = object as Record<string, unknown> & { stringData: Record<string, string> }
  const data = { ...((rest.data as Record<string, string>) ?? {}) }
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v).toString('base64')
  return { ...rest, data }
}

/** The applied config without what identifies the object, which nobody owns. */
function withoutIdentity(config: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = config
  const { name: _n, namespace: _ns, ...meta } = (metadata ?? {}) as Record<string, unknown>
  return { ...rest, ...(Object.keys(meta).length > 0 ? { metadata: meta } : {}) }
}

/**
 * Leaf paths with their values as JSON; a path is the JSON of its keys (label keys hold dots and
 * slashes). Lists are leaves.
 */
function leaves(value: Record<string, unknown>, prefix: string[] = []): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(value)) {
    const path = [...prefix, k]
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0)
      for (const [p, leaf] of leaves(v as Record<string, unknown>, path)) out.set(p, leaf)
    else out.set(JSON.stringify(path), JSON.stringify(v))
  }
  return out
}

function setPath(object: Record<string, unknown>, path: string, value: unknown) {
  const keys = JSON.parse(path) as string[]
  let node = object
  for (const k of keys.slice(0, -1)) {
    if (node[k] === null || typeof node[k] !== 'object') node[k] = {}
    node = node[k] as Record<string, unknown>
  }
  node[keys.at(-1) as string] = value
}

function removePath(object: Record<string, unknown>, path: string) {
  const keys = JSON.parse(path) as string[]
  const trail: Record<string, unknown>[] = [object]
  for (const k of keys.slice(0, -1)) {
    const next = trail.at(-1)?.[k]
    if (next === null || typeof next !== 'object') return
    trail.push(next as Record<string, unknown>)
  }
  delete trail.at(-1)?.[keys.at(-1) as string]
  // Objects left empty go too.
  for (let i = trail.length - 1; i > 0; i--)
    if (Object.keys(trail[i] as object).length === 0) delete trail[i - 1]?.[keys[i - 1] as string]
}

/** Owned paths as the API server writes them in `managedFields`: nested `f:<key>` objects. */
function fieldsV1(paths: Iterable<string>): Record<string, unknown> {
  const root: Record<string, unknown> = {}
  for (const path of paths) {
    let node = root
    for (const k of JSON.parse(path) as string[]) {
      node[`f:${k}`] ??= {}
      node = node[`f:${k}`] as Record<string, unknown>
    }
  }
  return root
}

/** RFC 7386: null removes a member, objects merge, anything else replaces. */
function merge(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = merge(out[k], v)
  }
  return out
}
