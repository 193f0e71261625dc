import { XfnError } from '@xfn/core'

/*
 * What the deployer tells the container entry, through its environment: the one contract between
 * the manifests (deploy/manifests.ts) and the runtime (runtime/resources.ts, runtime/index.ts).
 */

/** Where a Secret of the app is mounted: one file per secret, named as it. */
export const secretsDir = '/var/run/xfn/secrets'

export interface KnativeRuntimeEnv {
  readonly app: string
  /** The functions this Service runs; all of the app's when empty. */
  readonly functions: readonly string[]
  /** The broker's ingress, where sent and published messages go as CloudEvents. */
  readonly brokerUrl: string
  /** Each bucket of the app, by its name in the app, as the S3-compatible store names it. */
  readonly buckets: Readonly<Record<string, string>>
  /** The app's buckets that blob functions watch: a write through xfn's client sends their event. */
  readonly watchedBuckets: readonly string[]
  /** The S3-compatible store's endpoint and region, when the app has buckets. */
  readonly storeEndpoint: string | undefined
  readonly storeRegion: string | undefined
  /** The store's bucket where dead letters are kept, when the app has a store. */
  readonly deadLettersBucket: string | undefined
}

/** The environment variables of a Service of the app, as name and value. */
export function knativeEnv(settings: KnativeRuntimeEnv): { name: string; value: string }[] {
  return [
    { name: 'XFN_APP', value: settings.app },
    { name: 'XFN_FUNCTIONS', value: settings.functions.join(',') },
    { name: 'XFN_BROKER_URL', value: settings.brokerUrl },
    { name: 'XFN_BUCKETS', value: JSON.stringify(settings.buckets) },
    { name: 'XFN_WATCHED_BUCKETS', value: settings.watchedBuckets.join(',') },
    ...(settings.storeEndpoint ? [{ name: 'XFN_S3_ENDPOINT', value: settings.storeEndpoint }] : []),
    ...(settings.storeRegion ? [{ name: 'XFN_S3_REGION', value: settings.storeRegion }] : []),
    ...(settings.deadLettersBucket
      ? [{ name: 'XFN_DEAD_LETTERS_BUCKET', value: settings.deadLettersBucket }]
      : []),
  ]
}

/** The runtime's reading of {@link knativeEnv}. */
export function readKnativeEnv(env: NodeJS.ProcessEnv): KnativeRuntimeEnv {
  const list = (value: string | undefined) => (value ?? '').split(',').filter(Boolean)
  return {
    app: env.XFN_APP ?? 'app',
    functions: list(env.XFN_FUNCTIONS),
    brokerUrl: env.XFN_BROKER_URL ?? '',
    buckets: bucketsOf(env.XFN_BUCKETS),
    watchedBuckets: list(env.XFN_WATCHED_BUCKETS),
    storeEndpoint: env.XFN_S3_ENDPOINT,
    storeRegion: env.XFN_S3_REGION,
    deadLettersBucket: env.XFN_DEAD_LETTERS_BUCKET,
  }
}

function bucketsOf(text: string | undefined): Record<string, string> {
  try {
    return JSON.parse(text || '{}') as Record<string, string>
  } catch {
    throw new XfnError(
      'INVALID_OPTIONS',
      `The environment variable XFN_BUCKETS of this container is not valid JSON (${text}); redeploy the app with: xfn deploy --cloud knative`,
    )
  }
}
