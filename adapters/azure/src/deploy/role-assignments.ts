import { createHash } from 'node:crypto'
import { XfnError } from '@xfn/core'
import type { Change, Facts } from './apply-context.js'
import type { Desired } from './desired.js'
import type { Observed } from './observe.js'
import { byId } from './target.js'

/*
 * Azure RBAC role assignments xfn makes: ids derived from scope, principal and role, so a deploy
 * finds the ones it made and makes each once.
 */

export const roleAssignmentApiVersion = '2022-04-01'

/** Built-in role definitions, by their fixed ids (Azure's built-in roles reference). */
export const roles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
} as const

/** A role assignment's id: the same scope, principal and role always give the same one. */
export function roleAssignmentId(scope: string, principalId: string, role: string): string {
  const hex = createHash('sha256').update(`${scope}|${principalId}|${role}`).digest('hex')
  return `${scope}/providers/Microsoft.Authorization/roleAssignments/${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/**
 * The change that assigns `role` at `scope` to a principal, unless it is assigned already; the
 * principal may be known only once an earlier change has run (a new Function App's identity).
 */
export function assignRole(
  desired: Desired,
  observed: Observed,
  assignment: {
    readonly scope: string
    readonly role: string
    readonly principal: (facts: Partial<Facts>) => string | undefined
    /** The Function App's identity, rather than a user or an application. */
    readonly servicePrincipal: boolean
    readonly name: string
    readonly reason: string
    readonly phase: number
  },
): Change[] {
  const known = assignment.principal({})
  if (
    known !== undefined &&
    observed.roleAssignments.has(roleAssignmentId(assignment.scope, known, assignment.role))
  )
    return []
  return [
    {
      action: 'create',
      kind: 'role-assignment',
      name: assignment.name,
      reason: assignment.reason,
      phase: assignment.phase,
      run: async ({ clients, facts, poll }) => {
        const principalId = assignment.principal(facts)
        if (!principalId) throw new XfnError('INTERNAL', `${assignment.name}: no principal id yet`)
        await clients.resources.resources.beginCreateOrUpdateByIdAndWait(
          byId(roleAssignmentId(assignment.scope, principalId, assignment.role)),
          roleAssignmentApiVersion,
          {
            properties: {
              roleDefinitionId: `/subscriptions/${desired.target.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${assignment.role}`,
              principalId,
              ...(assignment.servicePrincipal ? { principalType: 'ServicePrincipal' } : {}),
            },
          },
          poll,
        )
      },
    },
  ]
}
