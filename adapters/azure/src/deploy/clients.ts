import { randomUUID } from 'node:crypto'
import { WebSiteManagementClient } from '@azure/arm-appservice'
import { EventGridManagementClient } from '@azure/arm-eventgrid'
import { OperationalInsightsManagementClient } from '@azure/arm-operationalinsights'
import { ResourceManagementClient } from '@azure/arm-resources'
import { StorageManagementClient } from '@azure/arm-storage'
import type { TokenCredential } from '@azure/core-auth'
import type { PipelinePolicy, TlsSettings } from '@azure/core-rest-pipeline'
import { DefaultAzureCredential } from '@azure/identity'

/** The scope of Azure Resource Manager tokens. */
export const armScope = 'https://management.azure.com/.default'

/**
 * The scope of the tokens sent to a Function App's SCM site (one-deploy publish): the Resource
 * Manager audience as the Azure CLI (`az account get-access-token`) and azd request it, which
 * the SCM site checks.
 */
export const scmScope = 'https://management.core.windows.net/.default'

/** The Azure SDK clients a deploy uses, one per resource provider, and what made them. */
export interface AzureClients {
  readonly subscriptionId: string
  readonly credential: TokenCredential
  readonly resources: ResourceManagementClient
  readonly storage: StorageManagementClient
  readonly web: WebSiteManagementClient
  readonly workspaces: OperationalInsightsManagementClient
  readonly events: EventGridManagementClient
  /** TLS settings for the requests xfn makes itself (publish), as the SDK clients get them. */
  readonly tls: TlsSettings | undefined
  /** The Resource Manager endpoint, for the requests xfn makes itself (the Activity Log). */
  readonly endpoint: string
}

/**
 * The first hex digits of the client request id of every Resource Manager request xfn makes
 * ("xfn" in hex): the Activity Log records the id, so `xfn history` tells xfn's changes from
 * those made by hand. The rest of the id is random, so it stays a GUID.
 */
export const xfnRequestIdPrefix = '78666e'

/** Sets `x-ms-client-request-id` to an id that starts with xfn's mark. */
export const xfnRequestIdPolicy: PipelinePolicy = {
  name: 'xfnClientRequestId',
  sendRequest: (request, next) => {
    request.headers.set(
      'x-ms-client-request-id',
      `${xfnRequestIdPrefix}${randomUUID().slice(xfnRequestIdPrefix.length)}`,
    )
    return next(request)
  },
}

export interface AzureClientOptions {
  readonly subscriptionId: string
  /** Otherwise `DefaultAzureCredential`: environment, workload or managed identity, az login, ... */
  readonly credential?: TokenCredential | undefined
  /** Another Resource Manager endpoint than https://management.azure.com (an emulator, a fake). */
  readonly endpoint?: string | undefined
  /** Extra certificate authorities to trust, for such an endpoint. */
  readonly tls?: TlsSettings | undefined
}

/** Makes every client with the same credential, endpoint and TLS settings. */
export function createAzureClients(options: AzureClientOptions): AzureClients {
  const credential = options.credential ?? new DefaultAzureCredential()
  const common = {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.tls ? { tlsOptions: options.tls } : {}),
    retryOptions: { maxRetries: 6 },
    additionalPolicies: [{ policy: xfnRequestIdPolicy, position: 'perCall' as const }],
  }
  const { subscriptionId } = options
  return {
    subscriptionId,
    credential,
    resources: new ResourceManagementClient(credential, subscriptionId, common),
    storage: new StorageManagementClient(credential, subscriptionId, common),
    web: new WebSiteManagementClient(credential, subscriptionId, common),
    workspaces: new OperationalInsightsManagementClient(credential, subscriptionId, common),
    events: new EventGridManagementClient(credential, subscriptionId, common),
    tls: options.tls,
    endpoint: options.endpoint ?? 'https://management.azure.com',
  }
}

/** A credential that hands out one token it was given (`az account get-access-token`, a test's). */
export function staticTokenCredential(token: string): TokenCredential {
  return {
    getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 }),
  }
}

/**
 * The claims of the signed-in identity's Resource Manager token: who it is (`oid`, `tid`, and
 * `upn` or `unique_name` for a user, `appid` for a service principal). Empty when it is no JWT.
 */
export async function tokenClaims(
  clients: Pick<AzureClients, 'credential'>,
): Promise<{ oid?: string; tid?: string; upn?: string; unique_name?: string; appid?: string }> {
  const token = await clients.credential.getToken(armScope)
  try {
    return JSON.parse(Buffer.from(token?.token.split('.')[1] ?? '', 'base64url').toString('utf8'))
  } catch {
    return {}
  }
}
