import type { Change as AnyChange, Sleep } from '@xfn/core'
import type { AzureClients } from './clients.js'
import type { Desired } from './desired.js'

/* What every step of an Azure deploy is given, apart from the planning that makes the steps. */

/** What apply learns as it goes: values only known once something exists. */
export interface Facts {
  storageKey: string | undefined
  blobEndpoint: string | undefined
  insightsConnection: string | undefined
  defaultHostName: string | undefined
  scmHostName: string | undefined
  /** Each topic's publishing endpoint, by its logical name, once it exists. */
  readonly topics: Map<string, { endpoint: string }>
  /** The Key Vault's URI, and the principal of the Function App's own identity, once they exist. */
  vaultUri: string | undefined
  principalId: string | undefined
  /** The host's system keys, by name, once asked for. */
  systemKeys: Partial<Record<'blobs_extension' | 'eventgrid_extension', string>> | undefined
}

export interface ApplyContext {
  readonly clients: AzureClients
  readonly desired: Desired
  readonly facts: Facts
  readonly sleep: Sleep
  /** How long to wait for a publish to finish. */
  readonly publishTimeoutMs: number
  /** How often long-running operations are polled; by default as Resource Manager says (Retry-After). */
  readonly poll: { readonly updateIntervalInMs?: number }
  readonly warn: (message: string) => void
}

/** One step of an Azure deploy. */
export type Change = AnyChange<ApplyContext>
