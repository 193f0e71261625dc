import type { ManifestFunction } from '@xfn/core'

/*
 * How xfn names an app's objects on a cluster, and the labels by which it finds them again: one
 * namespace per app and stage, one Knative Service for the HTTP functions and one per other function.
 */

export const managedBy = { 'app.kubernetes.io/managed-by': 'xfn' } as const
export const appLabel = 'xfn.dev/app'
export const stageLabel = 'xfn.dev/stage'

export interface KnativePlace {
  readonly app: string
  readonly stage: string
  readonly namespace: string
}

/** The labels of every object of an app and stage. */
export const labelsOf = (place: Pick<KnativePlace, 'app' | 'stage'>) => ({
  ...managedBy,
  [appLabel]: place.app,
  [stageLabel]: place.stage,
})

export const namespaceOf = (app: string, stage: string) => `xfn-${app}-${stage}`.toLowerCase()
/** The Secret of the app's key, and the Secret `xfn secret set` writes. */
export const keySecretName = 'xfn-api-key'
export const userSecretsName = 'xfn-secrets'
export const brokerName = 'xfn'
export const httpServiceName = 'http'

/** A function's Service: `http` for every HTTP function, else its own (`nightlyReport` → `fn-nightly-report`). */
export function serviceNameOf(fn: Pick<ManifestFunction, 'name' | 'trigger'>): string {
  return fn.trigger.type === 'http' ? httpServiceName : `fn-${kebab(fn.name)}`
}

export const kebab = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase()
