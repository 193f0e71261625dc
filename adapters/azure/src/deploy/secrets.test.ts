import { createHash } from 'node:crypto'
import { createApp, toManifest } from '@xfn/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { clientsOf, type FakeArm, fakePrincipal, startFakeArm } from './__fixtures__/fake-arm.js'
import { type AzureBuild, applyPlan, planDeploy, planDestroy, resolveTarget, secretStore } from './index.js'

/*
 * Secrets on Azure: the app's Key Vault with Azure RBAC, the Function App's own identity allowed
 * to read it, the deploying identity allowed to write it; against the fake Resource Manager,
 * whose bodies are checked against the REST specifications' types, and whose vault data plane
 * refuses an identity without the Secrets Officer role.
 */

const subscriptionId = '00000000-0000-0000-0000-0000000000aa'
const value = 'whsec_Zoë_0123456789'

function shopBuild(): AzureBuild {
  const { app, secret, registry } = createApp()
  const key = secret('webhook-key')
  app.http('sign', { route: '/sign', method: 'POST', uses: [key] }, () => ({ status: 200 }))
  const manifest = toManifest(registry, { app: 'shop' })
  const zip = new TextEncoder().encode('export const v = 1')
  return { manifest, zip, sha256: createHash('sha256').update(zip).digest('hex') }
}

let fake: FakeArm
beforeEach(async () => {
  fake = await startFakeArm()
})
afterEach(() => fake.close())

const clients = () => clientsOf(fake, subscriptionId)
const quick = { sleep: async () => undefined, pollIntervalMs: 1 }

async function deploy() {
  const c = clients()
  const target = await resolveTarget(c, { app: 'shop', stage: 'dev' })
  await applyPlan(c, await planDeploy(c, shopBuild(), target), quick)
  return target
}

const ofType = (type: string) => [...fake.resources.values()].filter((r) => r.type === type)

describe('secrets on Azure', () => {
  it('makes the vault, the identities and their roles, then asks for the secret the app still needs', async () => {
    await expect(deploy()).rejects.toThrow(
      /^The app reads secret\('webhook-key'\), which has no value in kv-[0-9a-f]{10}\. Set it \(the value is read from standard input\), then deploy again: xfn secret set webhook-key --cloud azure --stage dev$/,
    )
    const [vault] = ofType('Microsoft.KeyVault/vaults')
    expect(vault?.properties).toMatchObject({
      tenantId: fakePrincipal.tenantId,
      enableRbacAuthorization: true,
      sku: { family: 'A', name: 'standard' },
    })
    const [site] = ofType('Microsoft.Web/sites')
    const identity = (site as unknown as { identity?: { type: string; principalId: string } }).identity
    expect(identity?.type).toBe('SystemAssigned')
    const assignments = ofType('Microsoft.Authorization/roleAssignments').map((r) => r.properties)
    expect(assignments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          principalId: identity?.principalId,
          principalType: 'ServicePrincipal',
          roleDefinitionId: expect.stringMatching(/\/roleDefinitions\/4633458b-17de-408a-b874-0445c86b69e6$/),
        }),
        expect.objectContaining({
          principalId: fakePrincipal.objectId,
          roleDefinitionId: expect.stringMatching(/\/roleDefinitions\/b86a8fe4-44ce-4948-aee5-eccb2c155cd7$/),
        }),
      ]),
    )
    expect([...fake.settings.values()][0]?.XFN_KEY_VAULT).toBe(vault?.properties.vaultUri)
  })

  it('takes the value, deploys, changes nothing the next time, and carries the value nowhere', async () => {
    await deploy().catch(() => undefined)
    const c = clients()
    const target = await resolveTarget(c, { app: 'shop', stage: 'dev' })
    await (await secretStore(c, target)).set('webhook-key', value)
    await deploy()
    fake.requests.length = 0
    await deploy()
    expect(fake.mutating()).toEqual([])
    expect(await (await secretStore(c, target)).list()).toEqual([
      { name: 'webhook-key', changedAt: expect.stringMatching(/^\d{4}-/) },
    ])
    const kept = JSON.stringify([
      ...fake.resources.values(),
      ...fake.settings.values(),
      fake.requests,
      fake.published,
    ])
    expect(kept).not.toContain(value)
    expect(kept).not.toContain(Buffer.from(value).toString('base64'))
  })

  it('recovers the soft-deleted vault, with its secrets, when the app is deployed again after a destroy', async () => {
    await deploy().catch(() => undefined)
    const c = clients()
    const target = await resolveTarget(c, { app: 'shop', stage: 'dev' })
    await (await secretStore(c, target)).set('webhook-key', value)
    await applyPlan(c, await planDestroy(c, target), quick)
    expect(ofType('Microsoft.KeyVault/vaults')).toEqual([])
    await deploy()
    expect(ofType('Microsoft.KeyVault/vaults')).toHaveLength(1)
    expect(await (await secretStore(c, target)).list()).toHaveLength(1)
  })

  it('says to deploy first when there is no vault to set a secret in', async () => {
    const c = clients()
    const target = await resolveTarget(c, { app: 'shop', stage: 'dev' })
    await expect(secretStore(c, target)).rejects.toThrow(
      'shop (dev) has no Key Vault yet: deploy the app first, which makes it (and stops at the secrets it still needs), then set them. xfn deploy --cloud azure --stage dev',
    )
  })
})
