import { XfnError } from '@xfn/core'

/** The Resource Manager error code of an SDK error (`ResourceNotFound`, `AuthorizationFailed`, ...). */
export function armCode(error: unknown): string {
  const e = error as { code?: unknown; details?: { error?: { code?: unknown } } } | null
  const code = e?.details?.error?.code ?? e?.code
  return typeof code === 'string' ? code : ''
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | null)?.statusCode
}

/** Reads something that may not exist: its value, or undefined when Resource Manager answers 404. */
export async function ifExists<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read()
  } catch (error) {
    if (statusOf(error) === 404) return undefined
    throw error
  }
}

const credentialErrors = new Set([
  'AggregateAuthenticationError',
  'CredentialUnavailableError',
  'AuthenticationRequiredError',
])

const roles = 'the README lists the roles a deployer needs'

const hints: Record<string, string> = {
  AuthorizationFailed: `The signed-in identity lacks a role on the subscription or resource group; ${roles}.`,
  LinkedAuthorizationFailed: `The signed-in identity lacks a role on a linked resource; ${roles}.`,
  InvalidAuthenticationToken: "The token was refused; sign in again with 'az login'.",
  ExpiredAuthenticationToken: "The token has expired; sign in again with 'az login'.",
  SubscriptionNotFound: 'Check AZURE_SUBSCRIPTION_ID (az account list -o table shows yours).',
  InvalidSubscriptionId: 'Check AZURE_SUBSCRIPTION_ID (az account list -o table shows yours).',
  MissingSubscriptionRegistration:
    'Register the resource provider once: az provider register --namespace <the namespace in the message>.',
  StorageAccountAlreadyTaken:
    'Storage account names are global and another subscription owns this one; deploy under another stage or app name.',
  WebsiteWithGivenNameAlreadyExists:
    'Function App names are global and another subscription owns this one; deploy under another stage or app name.',
  ResourceGroupBeingDeleted: 'The resource group is still being deleted; deploy again in a few minutes.',
  LocationNotAvailableForResourceType:
    'Choose another region with --location (or azure.location in xfn.config.ts).',
  SkuNotAvailable: 'Choose another region with --location, or azure.plan: consumption in xfn.config.ts.',
  QuotaExceeded: 'A subscription quota was reached; raise it or remove unused resources.',
  Conflict: 'Another operation on the resource is under way; deploy again when it ends.',
}

/** What to do after a failure the hints do not name: a deploy or destroy resumes; a read changed nothing. */
const changingHint = 'Run the command again; it resumes where it stopped.'
const readingHint =
  'Nothing was changed; check the network, the region and the credentials, then run the command again.'

/** Turns an Azure error into one message naming the step, the resource, the ARM error code and what to do. */
export function armError(step: string, error: unknown, options: { changing?: boolean } = {}): XfnError {
  if (error instanceof XfnError) return error
  const name = (error as { name?: string } | null)?.name ?? ''
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.replace(/\.$/, '')
  if (credentialErrors.has(name))
    return new XfnError(
      'INVALID_OPTIONS',
      "No Azure credentials were found. Sign in with 'az login', or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal (or run where a managed identity is available).",
      { cause: error },
    )
  const code = armCode(error) || (statusOf(error) ? `HTTP ${statusOf(error)}` : name || 'Error')
  const hint = hints[code] ?? (options.changing ? changingHint : readingHint)
  return new XfnError('CLOUD_ERROR', `${step} failed: ${code}: ${message}. ${hint}`, { cause: error })
}
