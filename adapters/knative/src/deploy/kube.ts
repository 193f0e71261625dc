import { XfnError } from '@xfn/core'
import type { KubeObject } from './manifests.js'
import { kinds } from './manifests.js'

/*
 * The cluster, through the Kubernetes client for JavaScript: the kubeconfig as kubectl finds it
 * (KUBECONFIG, else ~/.kube/config; --context picks a context), objects applied with server-side
 * apply under the field manager `xfn`, read, listed by label and deleted.
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
  const objects = k8s.KubernetesObjectApi.makeApiClient(config)
  const core = config.makeApiClient(k8s.CoreV1Api)
  const calls: KubeCalls = { reads: 0, writes: 0 }
  const plural = (kind: string) => kinds.find((k) => k.kind === kind)?.plural
  const wrap = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call()
    } catch (error) {
      throw kubeError(error, what, cluster.server)
    }
  }
  const notFound = (error: unknown) => (error as { code?: number }).code === 404
  return {
    server: cluster.server,
    context: config.getCurrentContext(),
    calls,
    async read(object) {
      calls.reads++
      try {
        return (await objects.read(object as never)) as unknown as KubeObject
      } catch (error) {
        if (notFound(error)) return undefined
        throw kubeError(error, `reading ${describe(object)}`, cluster.server)
      }
    },
    async apply(object) {
      calls.writes++
      return wrap(
        `applying ${describe(object)}`,
        async () =>
          (await objects.patch(
            object as never,
            undefined,
            undefined,
            fieldManager,
            true,
            k8s.PatchStrategy.ServerSideApply,
          )) as unknown as KubeObject,
      )
    },
    async list(apiVersion, kind, namespace, labelSelector) {
      calls.reads++
      try {
        const found = await objects.list(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          labelSelector,
        )
        return (found.items ?? []) as unknown as KubeObject[]
      } catch (error) {
        // A kind the cluster does not serve (Knative Eventing not installed) holds nothing of the app.
        if (notFound(error)) return []
        throw kubeError(error, `listing ${plural(kind) ?? kind}`, cluster.server)
      }
    },
    async remove(object) {
      calls.writes++
      try {
        await objects.delete(object as never, undefined, undefined, undefined, undefined, 'Foreground')
      } catch (error) {
        if (!notFound(error)) throw kubeError(error, `deleting ${describe(object)}`, cluster.server)
      }
    },
    async pods(namespace, service) {
      calls.reads++
      const found = await wrap('listing pods', () =>
        core.listNamespacedPod({ namespace, labelSelector: `serving.knative.dev/service=${service}` }),
      )
      return found.items.map((pod) => pod.metadata?.name ?? '').filter(Boolean)
    },
    async podLog(namespace, pod, since) {
      calls.reads++
      return wrap(`reading the log of pod ${pod}`, () =>
        core.readNamespacedPodLog({
          name: pod,
          namespace,
          container: 'app',
          ...(since ? { sinceSeconds: Math.max(1, Math.ceil((Date.now() - since.getTime()) / 1000)) } : {}),
        }),
      )
    },
    async mergePatch(object, patch) {
      calls.writes++
      await wrap(`patching ${describe(object)}`, () =>
        objects.patch(
          { ...object, ...patch } as never,
          undefined,
          undefined,
          fieldManager,
          undefined,
          k8s.PatchStrategy.MergePatch,
        ),
      )
    },
  }
}

const describe = (object: Pick<KubeObject, 'kind' | 'metadata'>) =>
  `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`

/** An API server's refusal, with its own message (a Status object's), and what to do. */
function kubeError(error: unknown, what: string, server: string): XfnError {
  const e = error as { code?: number; body?: unknown; message?: string }
  let detail = e.message ?? String(error)
  try {
    const status =
      typeof e.body === 'string'
        ? (JSON.parse(e.body) as { message?: string })
        : (e.body as { message?: string })
    if (status?.message) detail = status.message
  } catch {
    // Not a Status object; the client's message stands.
  }
  const hint =
    e.code === 401 || e.code === 403
      ? ' Check that the kubeconfig user may manage this namespace, Knative Services, Brokers, Triggers and PingSources.'
      : e.code === undefined
        ? ` Check that the cluster at ${server} is reachable (kubectl cluster-info).`
        : ''
  return new XfnError(
    'CLOUD_ERROR',
    `The Kubernetes API server refused ${what} (${e.code ?? 'no answer'}): ${detail}.${hint}`,
    {
      cause: error,
    },
  )
}
