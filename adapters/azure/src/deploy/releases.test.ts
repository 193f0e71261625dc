import { createHash, randomBytes } from 'node:crypto'
import { azureNames, createApp, toManifest } from '@xfn/core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { registerEveryKind } from '../../../../core/src/__fixtures__/every-kind.js'
import { startAzurite } from '../runtime/__fixtures__/azurite.js'
import { clientsOf, type FakeArm, fakePrincipal, startFakeArm } from './__fixtures__/fake-arm.js'
import {
  type AzureBuild,
  type AzureDeployOptions,
  applyPlan,
  azureLayout,
  listReleases,
  planDeploy,
  resolveTarget,
  rollback,
} from './index.js'

/*
 * Releases on Azure: each deploy keeps its package and settings in the app's deployment
 * container, here a real Azurite account (the fake Resource Manager hands out its endpoint and
 * key as the storage account's), and a rollback publishes the kept package again.
 */

const subscriptionId = '00000000-0000-0000-0000-0000000000aa'
const encoder = new TextEncoder()
const account = azureLayout({
  app: 'shop',
  stage: 'dev',
  subscriptionId,
  location: 'eastus',
  resourceGroup: azureNames({ app: 'shop', stage: 'dev' }, { subscriptionId }).resourceGroup,
}).storageAccount
const key = randomBytes(64).toString('base64')
const command = (...args: string[]) => `xfn ${args.join(' ')}`

function build(code: string, extra?: (made: ReturnType<typeof createApp>) => void): AzureBuild {
  const made = createApp()
  registerEveryKind(made)
  extra?.(made)
  const manifest = toManifest(made.registry, { app: 'shop' })
  const zip = encoder.encode(code)
  return { manifest, zip, sha256: createHash('sha256').update(zip).digest('hex') }
}

let azurite: Awaited<ReturnType<typeof startAzurite>>
let fake: FakeArm
beforeAll(async () => {
  azurite = await startAzurite({ [account]: key })
}, 30_000)
afterAll(() => azurite.stop())
beforeEach(async () => {
  const blobEndpoint = (name: string) => `${azurite.blobOrigin}/${name}/`
  fake = await startFakeArm({
    blobEndpoint,
    key,
    madeContainer: async (name, container) => {
      const { ContainerClient, StorageSharedKeyCredential } = await import('@azure/storage-blob')
      const client = new ContainerClient(
        `${blobEndpoint(name)}${container}`,
        new StorageSharedKeyCredential(name, key),
      )
      // Each test starts with the account's containers empty, as a new storage account's are.
      await client.deleteIfExists()
      await client.create()
    },
  })
})
afterEach(() => fake.close())

const quick = { sleep: async () => undefined, pollIntervalMs: 1 }

async function connect() {
  const clients = clientsOf(fake, subscriptionId)
  return { clients, target: await resolveTarget(clients, { app: 'shop', stage: 'dev' }) }
}

async function deploy(made: AzureBuild, options: AzureDeployOptions = {}) {
  const { clients, target } = await connect()
  const plan = await planDeploy(clients, made, target, options)
  await applyPlan(clients, plan, quick)
  return plan
}

const live = async () => {
  const { clients, target } = await connect()
  return (await listReleases(clients, target)).map((r) => `${r.id}${r.live ? '*' : ''}`)
}
const settings = () => [...fake.settings.values()][0] ?? {}
const running = () => [...fake.published.values()].flat().at(-1)

describe('releases on Azure', () => {
  it('publishes the kept package of the release before, and puts back its settings', async () => {
    const v1 = build('export const v = 1')
    const v2 = build('export const v = 2')
    await deploy(v1, { env: { CURRENCY: 'EUR' }, release: { commit: 'aaa111', dirty: false } })
    await deploy(v2, { env: { CURRENCY: 'USD', GREETING: 'hi' }, release: { commit: 'bbb222', dirty: true } })
    const { clients, target } = await connect()
    const listed = await listReleases(clients, target)
    expect(listed.map((r) => [r.id, r.live, r.commit, r.dirty, r.by, r.sha256])).toEqual([
      ['r1', false, 'aaa111', false, fakePrincipal.objectId, v1.sha256],
      ['r2', true, 'bbb222', true, fakePrincipal.objectId, v2.sha256],
    ])

    fake.requests.length = 0
    const back = await rollback(clients, target, { to: undefined, codeOnly: false }, command, quick)
    expect(back.id).toBe('r1')
    expect(running()).toBe(v1.sha256)
    expect(settings()).toMatchObject({ CURRENCY: 'EUR' })
    expect(settings()).not.toHaveProperty('GREETING')
    expect(settings().XFN_MANAGED_SETTINGS?.split(',')).not.toContain('GREETING')
    // No infrastructure changed: the settings, the publish, and the site's tags only.
    expect(fake.mutating().map((r) => `${r.method} ${r.path.replace(/^.*\/providers\//, '')}`)).toEqual([
      expect.stringMatching(/^PUT Microsoft\.Web\/sites\/shop-dev-\w+\/config\/appsettings$/),
      expect.stringMatching(/^POST \/scm\/shop-dev-\w+\/api\/publish$/),
      'PATCH Microsoft.Resources/tags/default',
    ])
    expect(await live()).toEqual(['r1*', 'r2'])

    // Deploying v2 again is a new release; deploying it once more changes nothing.
    await deploy(v2, { env: { CURRENCY: 'USD', GREETING: 'hi' } })
    expect(running()).toBe(v2.sha256)
    expect(await live()).toEqual(['r1', 'r2', 'r3*'])
    fake.requests.length = 0
    const again = await deploy(v2, { env: { CURRENCY: 'USD', GREETING: 'hi' } })
    expect(again.changes).toEqual([])
    expect(fake.mutating()).toEqual([])
  })

  it('keeps releases.keep releases and their packages only', async () => {
    for (const v of [1, 2, 3]) await deploy(build(`export const v = ${v}`), { release: { keep: 2 } })
    expect(await live()).toEqual(['r2', 'r3*'])
    const { clients, target } = await connect()
    await expect(rollback(clients, target, { to: 'r1', codeOnly: false }, command, quick)).rejects.toThrow(
      'There is no release r1 (there are: r2, r3); xfn releases lists them.',
    )
    await rollback(clients, target, { to: 'r2', codeOnly: false }, command, quick)
    expect(running()).toBe(build('export const v = 2').sha256)
  })

  it('refuses a release of another shape: one package holds every function', async () => {
    await deploy(build('export const v = 1'))
    await deploy(
      build('export const v = 2', (made) => {
        made.app.http('health', { route: '/health' }, () => ({ json: { ok: true } }))
      }),
    )
    const { clients, target } = await connect()
    fake.requests.length = 0
    const refusal = rollback(clients, target, { to: 'r1', codeOnly: true }, command, quick)
    await expect(refusal).rejects.toThrow(/function 'health' \(http GET \/health\) was added since/)
    await expect(refusal).rejects.toThrow(/one package for all the functions/)
    expect(fake.mutating()).toEqual([])
  })
})
