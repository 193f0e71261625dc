import { randomBytes } from 'node:crypto'
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam'
import { DeleteParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm'
import type { AwsClients } from '../clients.js'
import type { Desired } from '../desired.js'
import { errorName, ifExists } from '../errors.js'
import type { Observed } from '../observe.js'
import { lambdaTrustPolicy } from '../policy.js'
import { type Change, phase, tagList } from './change.js'

/* The changes to the app's key (an SSM SecureString) and to the functions' IAM roles. */

export function apiKeyChanges(desired: Desired, observed: Observed): Change[] {
  const Name = desired.layout.apiKeyParameter
  if (desired.needsKey && observed.apiKey === undefined)
    return [
      {
        action: 'create',
        kind: 'key parameter',
        name: Name,
        reason: "a route has auth: 'key'; the key is kept as an SSM SecureString",
        phase: phase.apiKey,
        async run({ clients, facts }) {
          const key = randomBytes(24).toString('base64url')
          await clients.ssm.send(
            new PutParameterCommand({ Name, Value: key, Type: 'SecureString', Tags: tagList(desired.tags) }),
          )
          facts.apiKey = key
        },
      },
    ]
  if (!desired.needsKey && observed.apiKey !== undefined)
    return [
      {
        action: 'delete',
        kind: 'key parameter',
        name: Name,
        reason: "no route has auth: 'key' any more",
        phase: phase.deleteApiKey,
        async run({ clients, facts }) {
          await ifExists(() => clients.ssm.send(new DeleteParameterCommand({ Name })))
          facts.apiKey = undefined
        },
      },
    ]
  return []
}

export function roleChanges(desired: Desired, observed: Observed): Change[] {
  const { layout } = desired
  const changes: Change[] = []
  const wanted = new Set<string>()
  for (const fn of desired.functions) {
    wanted.add(fn.role)
    const policy = JSON.stringify(fn.policy)
    const putPolicy = (clients: AwsClients) =>
      clients.iam.send(
        new PutRolePolicyCommand({ RoleName: fn.role, PolicyName: 'xfn', PolicyDocument: policy }),
      )
    if (!observed.roles.has(fn.role)) {
      changes.push({
        action: 'create',
        kind: 'role',
        name: fn.role,
        reason: `execution role of function '${fn.logical.name}'`,
        phase: phase.role,
        async run({ clients }) {
          try {
            await clients.iam.send(
              new CreateRoleCommand({
                RoleName: fn.role,
                Path: layout.rolePath,
                AssumeRolePolicyDocument: JSON.stringify(lambdaTrustPolicy),
                Description: `xfn: ${desired.target.app} ${desired.target.stage} ${fn.logical.name}`,
                Tags: tagList(desired.tags),
              }),
            )
          } catch (error) {
            // Made by a deploy that stopped before its policy: finish the job.
            if (
              errorName(error) !== 'EntityAlreadyExists' &&
              errorName(error) !== 'EntityAlreadyExistsException'
            )
              throw error
          }
          await putPolicy(clients)
        },
      })
    } else if (!sameJson(observed.roles.get(fn.role), policy)) {
      changes.push({
        action: 'update',
        kind: 'role',
        name: fn.role,
        reason: 'its permissions changed (uses or trigger)',
        phase: phase.role,
        run: async ({ clients }) => void (await putPolicy(clients)),
      })
    }
  }
  for (const role of observed.roles.keys()) {
    if (wanted.has(role)) continue
    changes.push({
      action: 'delete',
      kind: 'role',
      name: role,
      reason: 'its function is gone',
      phase: phase.deleteRole,
      async run({ clients }) {
        await ifExists(() =>
          clients.iam.send(new DeleteRolePolicyCommand({ RoleName: role, PolicyName: 'xfn' })),
        )
        await ifExists(() => clients.iam.send(new DeleteRoleCommand({ RoleName: role })))
      },
    })
  }
  return changes
}

function sameJson(a: string | undefined, b: string): boolean {
  if (a === undefined) return false
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b))
  } catch {
    return false
  }
}
