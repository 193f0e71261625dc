import { secretsWithoutValue, XfnError } from '@xfn/core'
import type { Change } from './apply-context.js'
import { type AzureClients, tokenClaims } from './clients.js'
import type { Desired } from './desired.js'
import { armError } from './errors.js'
import { httpSender } from './http.js'
import type { Observed } from './observe.js'
import { assignRole, roles } from './role-assignments.js'
import { byId } from './target.js'

/*
 * Secrets on Azure: a Key Vault per app and stage, with Azure RBAC (no access policies). The
 * Function App reads with its own system-assigned identity, given the built-in role Key Vault
 * Secrets User on the vault; the deploying identity is given Key Vault Secrets Officer, so that
 * `xfn secret set|list|rm` can write and list. Values travel only between `xfn secret set` and
 * the vault, and between the vault and the function.
 */

export const keyVaultApiVersion = '2025-05-01'
/** The data plane's API version, and the scope of its tokens. */
const secretsApiVersion = '7.4'
const vaultScope = 'https://vault.azure.net/.default'

export const keyVaultPhase = { vault: 2.5, officer: 2.6, reader: 4.5, secretsSet: 9 } as const

/** The object and tenant ids of the identity deploying, from its Resource Manager token. */
export async function signedInPrincipal(
  clients: AzureClients,
): Promise<{ objectId: string; tenantId: string }> {
  const claims = await tokenClaims(clients)
  if (claims.oid && claims.tid) return { objectId: claims.oid, tenantId: claims.tid }
  throw new XfnError(
    'CLOUD_ERROR',
    "The Azure token names no object and tenant id (claims oid and tid), which the app's Key Vault needs; sign in with az login or a service principal.",
  )
}

export function planKeyVault(desired: Desired, observed: Observed): Change[] {
  if (desired.secrets.length === 0) return []
  const { layout, target, tags } = desired
  const changes: Change[] = []
  const principal = observed.principal
  if (!principal) throw new XfnError('INTERNAL', 'the deploying identity was not read')
  if (!observed.keyVault)
    changes.push({
      action: 'create',
      kind: 'key-vault',
      name: layout.keyVault,
      reason: observed.deletedKeyVault
        ? 'the app’s secrets: recovering the vault a destroy left soft-deleted, with its secrets'
        : 'the app’s secrets, read with Azure RBAC',
      phase: keyVaultPhase.vault,
      run: async ({ clients, facts, poll }) => {
        const made = await clients.resources.resources.beginCreateOrUpdateByIdAndWait(
          byId(layout.keyVaultId),
          keyVaultApiVersion,
          {
            location: target.location,
            tags,
            properties: {
              tenantId: principal.tenantId,
              sku: { family: 'A', name: 'standard' },
              enableRbacAuthorization: true,
              ...(observed.deletedKeyVault ? { createMode: 'recover' } : {}),
            },
          },
          poll,
        )
        facts.vaultUri = String((made.properties as { vaultUri?: string })?.vaultUri ?? '')
      },
    })
  changes.push(
    ...assignRole(desired, observed, {
      scope: layout.keyVaultId,
      role: roles.keyVaultSecretsOfficer,
      principal: () => principal.objectId,
      servicePrincipal: false,
      name: `Key Vault Secrets Officer for you on ${layout.keyVault}`,
      reason: 'xfn secret set writes the secrets',
      phase: keyVaultPhase.officer,
    }),
    ...assignRole(desired, observed, {
      scope: layout.keyVaultId,
      role: roles.keyVaultSecretsUser,
      principal: (facts) => observed.site?.principalId ?? facts.principalId,
      servicePrincipal: true,
      name: `Key Vault Secrets User for the Function App on ${layout.keyVault}`,
      reason: 'the Function App reads the secrets',
      phase: keyVaultPhase.reader,
    }),
  )
  const missing = (stored: ReadonlySet<string>) => desired.secrets.filter((name) => !stored.has(name))
  // A vault xfn can read already: a secret without a value stops the deploy before any change.
  if (observed.vaultSecrets) {
    const unset = missing(observed.vaultSecrets)
    if (unset.length > 0) throw secretsNotSet(desired, unset)
    return changes
  }
  // A vault made (or made readable) by this deploy: checked once it is.
  changes.push({
    action: 'update',
    kind: 'check',
    name: 'secrets',
    reason: `each secret the app reads has a value in the new vault: ${desired.secrets.join(', ')}`,
    phase: keyVaultPhase.secretsSet,
    run: async ({ clients, facts }) => {
      const stored = new Set((await vaultSecrets(clients, facts.vaultUri ?? '').list()).map((s) => s.name))
      const unset = missing(stored)
      if (unset.length > 0) throw secretsNotSet(desired, unset)
    },
  })
  return changes
}

function secretsNotSet(desired: Desired, unset: readonly string[]): XfnError {
  const { layout, target } = desired
  return secretsWithoutValue(unset, `in ${layout.keyVault}`, ['--cloud', 'azure', '--stage', target.stage])
}

/**
 * The vault's secrets through its data plane (Key Vault's REST API), with a token for the vault:
 * set and remove a value, and list names and times. Values are sent, never read back.
 */
export function vaultSecrets(clients: AzureClients, vaultUri: string) {
  const request = httpSender(clients, { scope: vaultScope })
  const base = vaultUri.replace(/\/?$/, '/')
  const send = async (method: 'GET' | 'PUT' | 'DELETE', url: string, body?: unknown) => {
    const response = await request({
      url,
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (response.status >= 400 && response.status !== 404) {
      const error = (JSON.parse(response.text || '{}') as { error?: { code?: string; message?: string } })
        .error
      throw armError(
        `Key Vault ${method} ${url.split('?')[0]}`,
        Object.assign(new Error(error?.message ?? response.text.slice(0, 200)), {
          statusCode: response.status,
          code: error?.code ?? String(response.status),
        }),
      )
    }
    return {
      status: response.status,
      json: response.text ? (JSON.parse(response.text) as Record<string, unknown>) : {},
    }
  }
  return {
    async set(name: string, value: string) {
      await send('PUT', `${base}secrets/${name}?api-version=${secretsApiVersion}`, { value })
    },
    async list() {
      const listed: { name: string; changedAt: string | undefined }[] = []
      for (let url: string | undefined = `${base}secrets?api-version=${secretsApiVersion}`; url; ) {
        const page = await send('GET', url)
        for (const item of (page.json.value ?? []) as { id?: string; attributes?: { updated?: number } }[])
          if (item.id)
            listed.push({
              name: item.id.slice(item.id.lastIndexOf('/') + 1),
              changedAt: item.attributes?.updated
                ? new Date(item.attributes.updated * 1000).toISOString()
                : undefined,
            })
        url = (page.json.nextLink as string | undefined) ?? undefined
      }
      return listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    },
    async remove(name: string) {
      return (await send('DELETE', `${base}secrets/${name}?api-version=${secretsApiVersion}`)).status !== 404
    },
  }
}
