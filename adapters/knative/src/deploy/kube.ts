import http from 'node:http'
import https from 'node:https'
import { XfnError } from '@xfn/core'
import { type KubeObject, kinds } from './manifests.js'

/*
 * The cluster, through the Kubernetes client for JavaScript: the kubeconfig as kubectl finds it
 * (KUBECONFIG, else ~/.kube/config; --context picks a context) and its credentials, read by the
 * Kubernetes client for JavaScript; objects applied with server-side apply under the field
 * manager `xfn`, read, listed by label and deleted, over the API's REST paths.
 */

type Client = typeof import('@kubernetes/client-node')

export const fieldManager = 'xfn'

/** What a deploy or destroy asked of the API server, for its count of changes. */
export interface KubeCalls {
  reads: number
  writes: number
}

export interface Kube {
  readonly server: string
  readonly context: string
  readonly calls: KubeCalls
  read(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<KubeObject | undefined>
  apply(object: KubeObject): Promise<KubeObject>
  list(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    labelSelector: string,
  ): Promise<KubeObject[]>
  remove(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<void>
  /** The pods of a Knative Service, and a pod's log since a time. */
  pods(namespace: string, service: string): Promise<string[]>
  podLog(namespace: string, pod: string, since: Date | undefined): Promise<string>
  /** A merge patch, for a Secret's single key (`xfn secret set`). */
  mergePatch(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, patch: object): Promise<void>
}

export async function connectKube(options: { readonly context?: string | undefined }): Promise<Kube> {
  const k8s: Client = await import('@kubernetes/client-node')
  const config = new k8s.KubeConfig()
  try {
    config.loadFromDefault()
  } catch (error) {
    throw new XfnError(
      'INVALID_OPTIONS',
      `Cannot read the kubeconfig (${process.env.KUBECONFIG ?? '~/.kube/config'}): ${(error as Error).message}. Point KUBECONFIG at the cluster's kubeconfig, as kubectl uses it.`,
    )
  }
  if (options.context) {
    if (!config.getContextObject(options.context))
      throw new XfnError(
        'INVALID_OPTIONS',
        `The kubeconfig has no context '${options.context}' (it has: ${
          config
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }). Pick one with --context.`,
      )
    config.setCurrentContext(options.context)
  }
  const cluster = config.getCurrentCluster()
  if (!cluster)
    throw new XfnError(
      'INVALID_OPTIONS',
      'The kubeconfig names no current cluster. Set one with kubectl config use-context, or pass --context.',
    )
  const server = cluster.server.replace(/\/$/, '')
  const calls: KubeCalls = { reads: 0, writes: 0 }

  /**
   * One request to the API server, with the kubeconfig's credentials (tokens, client certificates,
   * exec plugins) as the client applies them. The paths are the documented REST paths of each kind;
   * the client's generic object API is not used, since it reshapes a Knative `Service` as the core
   * `Service` kind and drops its template.
   */
  const request = async (method: string, path: string, body?: { type: string; text: string }) => {
    if (method === 'GET') calls.reads++
    else calls.writes++
    const options: https.RequestOptions = {}
    await config.applyToHTTPSOptions(options)
    const url = new URL(`${server}${path}`)
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const send = url.protocol === 'https:' ? https.request : http.request
      const req = send(
        url,
        {
          ...options,
          method,
          headers: {
            ...(options.headers as Record<string, string>),
            accept: 'application/json',
            ...(body ? { 'content-type': body.type } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          )
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(body?.text)
    })
  }
  const call = async (what: string, method: string, path: string, body?: { type: string; text: string }) => {
    let answer: { status: number; text: string }
    try {
      answer = await request(method, path, body)
    } catch (error) {
      throw new XfnError(
        'CLOUD_ERROR',
        `Cannot reach the Kubernetes API server at ${server} while ${what}: ${(error as Error).message}. Check that the cluster is reachable (kubectl cluster-info).`,
      )
    }
    if (answer.status >= 400 && answer.status !== 404) throw kubeError(answer, what)
    return answer
  }
  const pathOf = (object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, named = true) => {
    const kind = kinds.find((k) => k.kind === object.kind && k.apiVersion === object.apiVersion)
    if (!kind) throw new XfnError('INTERNAL', `xfn does not manage ${object.kind} objects`)
    const base = object.apiVersion === 'v1' ? '/api/v1' : `/apis/${object.apiVersion}`
    const scope = kind.namespaced ? `/namespaces/${object.metadata.namespace}` : ''
    return `${base}${scope}/${kind.plural}${named ? `/${encodeURIComponent(object.metadata.name)}` : ''}`
  }
  const parse = (text: string) => JSON.parse(text) as KubeObject
  return {
    server,
    context: config.getCurrentContext(),
    calls,
    async read(object) {
      const answer = await call(`reading ${describe(object)}`, 'GET', pathOf(object))
      return answer.status === 404 ? undefined : parse(answer.text)
    },
    async apply(object) {
      const what = `applying ${describe(object)}`
      const answer = await call(what, 'PATCH', `${pathOf(object)}?fieldManager=${fieldManager}&force=true`, {
        type: 'application/apply-patch+yaml',
        text: JSON.stringify(object),
      })
      if (answer.status === 404) throw kubeError(answer, what)
      return parse(answer.text)
    },
    async list(apiVersion, kind, namespace, labelSelector) {
      const path = pathOf({ apiVersion, kind, metadata: { name: '', namespace } }, false)
      const answer = await call(
        `listing ${kind} objects`,
        'GET',
        `${path}?labelSelector=${encodeURIComponent(labelSelector)}`,
      )
      // A kind the cluster does not serve (Knative Eventing not installed) holds nothing of the app.
      if (answer.status === 404) return []
      return ((JSON.parse(answer.text) as { items?: KubeObject[] }).items ?? []).map((item) => ({
        ...item,
        apiVersion,
        kind,
      }))
    },
    async remove(object) {
      await call(`deleting ${describe(object)}`, 'DELETE', `${pathOf(object)}?propagationPolicy=Foreground`)
    },
    async pods(namespace, service) {
      const selector = encodeURIComponent(`serving.knative.dev/service=${service}`)
      const answer = await call(
        'listing pods',
        'GET',
        `/api/v1/namespaces/${namespace}/pods?labelSelector=${selector}`,
      )
      if (answer.status === 404) return []
      return ((JSON.parse(answer.text) as { items?: { metadata?: { name?: string } }[] }).items ?? [])
        .map((pod) => pod.metadata?.name ?? '')
        .filter(Boolean)
    },
    async podLog(namespace, pod, since) {
      const sinceSeconds = since
        ? `&sinceSeconds=${Math.max(1, Math.ceil((Date.now() - since.getTime()) / 1000))}`
        : ''
      const answer = await call(
        `reading the log of pod ${pod}`,
        'GET',
        `/api/v1/namespaces/${namespace}/pods/${pod}/log?container=app${sinceSeconds}`,
      )
      return answer.status === 404 ? '' : answer.text
    },
    async mergePatch(object, patch) {
      await call(`patching ${describe(object)}`, 'PATCH', `${pathOf(object)}?fieldManager=${fieldManager}`, {
        type: 'application/merge-patch+json',
        text: JSON.stringify(patch),
      })
    },
  }
}

const describe = (object: Pick<KubeObject, 'kind' | 'metadata'>) =>
  `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`

/** An API server's refusal, with its own message (a Status object's), and what to do. */
function kubeError(answer: { status: number; text: string }, what: string): XfnError {
  let status: { message?: string; details?: { kind?: string } } = {}
  try {
    status = JSON.parse(answer.text) as typeof status
  } catch {
    // Not a Status object; the body stands.
  }
  const detail = status.message ?? answer.text.slice(0, 500)
  const hint =
    answer.status === 401 || answer.status === 403
      ? ' Check that the kubeconfig user may manage namespaces, Secrets, Knative Services, Brokers, Triggers and PingSources.'
      : answer.status === 404 && status.details?.kind === 'namespaces'
        ? ' The namespace was deleted while xfn ran; run the command again.'
        : answer.status === 404
          ? ' Check that Knative Serving and Eventing are installed on the cluster (kubectl api-resources | grep knative).'
          : ''
  return new XfnError(
    'CLOUD_ERROR',
    `The Kubernetes API server refused ${what} (${answer.status}): ${detail}${hint}`,
  )
}
