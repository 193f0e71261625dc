import { createHash } from 'node:crypto'
import { createApp, toManifest } from '@xfn/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { registerEveryKind } from '../../../../core/src/__fixtures__/every-kind.js'
import { type FakeArm, fakeCertificate, fakeToken, startFakeArm } from './__fixtures__/fake-arm.js'
import {
  type AzureBuild,
  type AzureDeployOptions,
  applyPlan,
  createAzureClients,
  describeChange,
  describeDeployed,
  invokeFunction,
  planDeploy,
  planDestroy,
  resolveTarget,
  staticTokenCredential,
} from './index.js'

const subscriptionId = '00000000-0000-0000-0000-0000000000aa'
const encoder = new TextEncoder()

function build(
  code = 'export const v = 1',
  options: { blob?: boolean; extra?: (made: ReturnType<typeof createApp>) => void } = {},
): AzureBuild {
  const made = createApp()
  registerEveryKind(made)
  options.extra?.(made)
  let manifest = toManifest(made.registry, { app: 'shop' })
  if (options.blob === false)
    manifest = { ...manifest, functions: manifest.functions.filter((fn) => fn.trigger.type !== 'blob') }
  const zip = encoder.encode(code)
  return { manifest, zip, sha256: createHash('sha256').update(zip).digest('hex') }
}

let fake: FakeArm
beforeEach(async () => {
  fake = await startFakeArm()
})
afterEach(() => fake.close())

function clients(token = fakeToken) {
  return createAzureClients({
    subscriptionId,
    credential: staticTokenCredential(token),
    endpoint: fake.endpoint,
    tls: { ca: fakeCertificate },
  })
}

const quick = { sleep: async () => undefined, pollIntervalMs: 1 }

async function deploy(made: AzureBuild, options: AzureDeployOptions = {}, stage = 'dev') {
  const c = clients()
  const target = await resolveTarget(c, { app: 'shop', stage })
  const plan = await planDeploy(c, made, target, options)
  const endpoints = await applyPlan(c, plan, quick)
  return { plan, endpoints, target }
}

const mutations = () =>
  fake
    .mutating()
    .map((r) => `${r.method} ${r.path.replace(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/i, '{rg}')}`)

describe('xfn deploy --cloud azure', () => {
  it('makes every resource of a one-of-each app on Flex Consumption on the first deploy, in dependency order, and publishes once', async () => {
    const made = build()
    const { endpoints } = await deploy(made)
    const sequence = mutations()
    expect(sequence).toMatchSnapshot()
    const at = (pattern: RegExp) => sequence.findIndex((s) => pattern.test(s))
    expect(at(/^PUT \{rg\}$/)).toBe(0)
    expect(at(/storageAccounts\/[^/]+$/)).toBeLessThan(at(/containers\/receipts$/))
    expect(at(/workspaces\//)).toBeLessThan(at(/components\//))
    expect(at(/components\//)).toBeLessThan(at(/sites\/[^/]+$/))
    expect(at(/serverfarms\//)).toBeLessThan(at(/sites\/[^/]+$/))
    expect(at(/sites\/[^/]+$/)).toBeLessThan(at(/api\/publish/))
    expect(at(/api\/publish/)).toBeLessThan(at(/tags\/default$/))
    expect(at(/storageAccounts\/[^/]+$/)).toBeLessThan(at(/systemTopics\/[^/]+$/))
    expect(at(/api\/publish/)).toBeLessThan(at(/eventSubscriptions\/xfn-audit$/))
    const asked = fake.requests.map((r) => r.path)
    expect(asked.findIndex((p) => p.endsWith('/api/publish'))).toBeLessThan(
      asked.findIndex((p) => p.endsWith('/host/default/listkeys')),
    )

    // The blob function hears of new blobs through Event Grid, with the host's key.
    const subscription = [...fake.resources.values()].find((r) => r.name === 'xfn-audit')
    expect(subscription?.properties).toMatchObject({
      destination: {
        endpointType: 'WebHook',
        properties: {
          endpointBaseUrl: expect.stringMatching(/\/app\/shop-dev-[0-9a-f]{6}\/runtime\/webhooks\/blobs$/),
        },
      },
      filter: {
        includedEventTypes: ['Microsoft.Storage.BlobCreated'],
        subjectBeginsWith: '/blobServices/default/containers/receipts/blobs/r/',
        subjectEndsWith: '.json',
      },
    })
    const topic = [...fake.resources.values()].find((r) => r.type === 'Microsoft.EventGrid/systemTopics')
    expect(topic?.properties).toMatchObject({ topicType: 'Microsoft.Storage.StorageAccounts' })
    expect(String(topic?.properties.source)).toMatch(/\/storageAccounts\/shopdev\w+$/)

    const [siteId] = [...fake.resources.keys()].filter((id) => /\/sites\/[^/]+$/.test(id))
    const created = fake.resources.get(siteId ?? '')
    expect(created?.tags).toMatchObject({ 'xfn:app': 'shop', 'xfn:stage': 'dev', 'xfn:package': made.sha256 })
    expect(created?.properties.functionAppConfig).toMatchObject({
      runtime: { name: 'node', version: '22' },
      scaleAndConcurrency: { maximumInstanceCount: 100, instanceMemoryMB: 2048 },
      deployment: { storage: { type: 'blobContainer' } },
    })
    const settings = fake.settings.get(siteId ?? '') ?? {}
    expect(Object.keys(settings).sort()).toEqual([
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
      'AzureWebJobsStorage__accountName',
      'XFN_API_KEY_SHA256',
      'XFN_MANAGED_SETTINGS',
    ])
    // The host and the app reach storage with the Function App's own identity: no key anywhere.
    expect(JSON.stringify(settings)).not.toMatch(/AccountKey|SharedAccessSignature|sig=/)
    expect(created?.properties.functionAppConfig).toMatchObject({
      deployment: { storage: { authentication: { type: 'SystemAssignedIdentity' } } },
    })
    const principal = (created as unknown as { identity?: { principalId?: string } }).identity?.principalId
    const storageRoles = [...fake.resources.values()]
      .filter(
        (r) => r.type === 'Microsoft.Authorization/roleAssignments' && r.id.includes('/storageAccounts/'),
      )
      .map((r) => [r.properties.principalId, String(r.properties.roleDefinitionId).split('/').at(-1)])
    expect(storageRoles.sort()).toEqual([
      [principal, '974c5e8b-45b9-4653-ba55-5f855dd0fb88'],
      [principal, 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'],
    ])
    expect(settings.APPLICATIONINSIGHTS_CONNECTION_STRING).toMatch(/^InstrumentationKey=/)
    expect(settings.XFN_API_KEY_SHA256).toBe(
      createHash('sha256')
        .update(endpoints.apiKey ?? '')
        .digest('hex'),
    )
    expect([...fake.published.values()].flat()).toEqual([made.sha256])

    const queues = [...fake.resources.values()].filter((r) => r.type.endsWith('queues')).map((r) => r.name)
    expect(queues.sort()).toEqual(['orders', 'orders-poison'])
    expect(endpoints.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/app\/shop-dev-[0-9a-f]{6}$/)
    expect(endpoints.routes).toEqual([
      { route: 'POST /orders', function: 'createOrder', auth: 'key' },
      { route: 'GET /orders/{id}', function: 'getOrder', auth: 'public' },
    ])
    expect(endpoints.apiKey).toMatch(/^[\w-]{40}$/)
  })

  it('makes no mutating request and publishes nothing on a redeploy of the same build, and prints the same key', async () => {
    const made = build()
    const first = await deploy(made)
    fake.requests.length = 0
    const again = await deploy(made)
    expect(again.plan.changes.map(describeChange)).toEqual([])
    expect(fake.mutating()).toEqual([])
    expect(again.endpoints.apiKey).toBe(first.endpoints.apiKey)
  })

  it('publishes only, and once, when only the code changed', async () => {
    await deploy(build('export const v = 1', { blob: false }))
    fake.requests.length = 0
    const changed = build('export const v = 2', { blob: false })
    const { plan } = await deploy(changed)
    expect(plan.changes.map((c) => `${c.action} ${c.kind}`)).toEqual(['update code', 'create release'])
    const tags = /^PATCH .*\/sites\/shop-dev-[0-9a-f]{6}\/providers\/Microsoft\.Resources\/tags\/default$/
    expect(mutations().map((m) => m.replace(/\/subscriptions\/.*\/providers/, '.../providers'))).toEqual([
      expect.stringMatching(/^POST \/scm\/shop-dev-[0-9a-f]{6}\/api\/publish$/),
      expect.stringMatching(tags),
      // The release: its package kept, its record, and the site's tag naming it.
      expect.stringMatching(
        new RegExp(`^PUT blob:/.*/xfn-deployment/xfn-releases/packages/${changed.sha256}\\.zip$`),
      ),
      expect.stringMatching(/^PUT blob:\/.*\/xfn-deployment\/xfn-releases\/r2\.json$/),
      expect.stringMatching(tags),
    ])
    expect([...fake.published.values()].flat().at(-1)).toBe(changed.sha256)
  })

  it('changes the Flex scale and memory of an existing app, and then changes nothing', async () => {
    const made = build()
    await deploy(made)
    await deploy(made, { maximumInstanceCount: 40, instanceMemoryMB: 4096 })
    const site = [...fake.resources.values()].find((r) => r.type === 'Microsoft.Web/sites')
    expect(site?.properties.functionAppConfig).toMatchObject({
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 4096 },
      runtime: { name: 'node', version: '22' },
    })
    // The user's settings survive the site's replacement.
    expect(Object.keys(fake.settings.get(site?.id.toLowerCase() ?? '') ?? {})).toContain(
      'AzureWebJobsStorage__accountName',
    )
    fake.requests.length = 0
    const again = await deploy(made, { maximumInstanceCount: 40, instanceMemoryMB: 4096 })
    expect(again.plan.changes).toEqual([])
    expect(fake.mutating()).toEqual([])
  })

  it('stops before any change when the Flex app has a setting Flex Consumption does not take, and says how to remove it', async () => {
    await deploy(build(undefined, { blob: false }))
    const [siteId] = [...fake.settings.keys()]
    fake.settings.set(siteId ?? '', { ...fake.settings.get(siteId ?? ''), WEBSITE_RUN_FROM_PACKAGE: '1' })
    fake.requests.length = 0
    await expect(deploy(build('export const v = 2', { blob: false }))).rejects.toThrow(
      /Flex Consumption does not take: WEBSITE_RUN_FROM_PACKAGE .*az functionapp config appsettings delete --resource-group xfn-shop-dev --name shop-dev-\w+ --setting-names WEBSITE_RUN_FROM_PACKAGE/,
    )
    expect(fake.mutating()).toEqual([])
  })

  it("keeps the user's own app settings and removes only the ones xfn set before", async () => {
    await deploy(build(undefined, { blob: false }))
    const [siteId] = [...fake.settings.keys()]
    fake.settings.set(siteId ?? '', { ...fake.settings.get(siteId ?? ''), MY_FLAG: 'on' })
    // An app without key routes: xfn's key hash goes, the user's flag stays.
    const made = build(undefined, { blob: false })
    const withoutKey = {
      ...made,
      manifest: {
        ...made.manifest,
        functions: made.manifest.functions.map((fn) =>
          fn.trigger.type === 'http' ? { ...fn, trigger: { ...fn.trigger, auth: 'public' as const } } : fn,
        ),
      },
    }
    const { plan } = await deploy(withoutKey)
    expect(plan.changes.map(describeChange)).toEqual([
      expect.stringMatching(
        /^~ update app-settings shop-dev-\w+: set XFN_MANAGED_SETTINGS, remove XFN_API_KEY_SHA256$/,
      ),
    ])
    const settings = fake.settings.get(siteId ?? '') ?? {}
    expect(settings.MY_FLAG).toBe('on')
    expect(settings.XFN_API_KEY_SHA256).toBeUndefined()
  })

  it("makes the app's settings app settings, changes only them when they change, and removes them when gone", async () => {
    await deploy(build(undefined, { blob: false }), { env: { CURRENCY: 'EUR', GREETING: 'hello' } })
    const [siteId] = [...fake.settings.keys()]
    expect(fake.settings.get(siteId ?? '')).toMatchObject({ CURRENCY: 'EUR', GREETING: 'hello' })
    fake.requests.length = 0
    const again = await deploy(build(undefined, { blob: false }), {
      env: { CURRENCY: 'EUR', GREETING: 'hello' },
    })
    expect(again.plan.changes).toEqual([])
    const changed = await deploy(build(undefined, { blob: false }), { env: { CURRENCY: 'USD' } })
    expect(changed.plan.changes.map(describeChange)).toEqual([
      // New settings are a release of their own, which a rollback puts back.
      expect.stringMatching(
        /^~ update app-settings shop-dev-\w+: set CURRENCY, set XFN_MANAGED_SETTINGS, remove GREETING$/,
      ),
      expect.stringMatching(/^\+ create release r2: /),
    ])
    expect(fake.settings.get(siteId ?? '')).toMatchObject({ CURRENCY: 'USD' })
    expect(fake.settings.get(siteId ?? '')).not.toHaveProperty('GREETING')
  })

  it('integrates the Flex app with the virtual network azure.vnet names, and takes it out again', async () => {
    const subnetId = `/subscriptions/${subscriptionId}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vn/subnets/apps`
    await deploy(build(undefined, { blob: false }), { subnetId })
    const site = () => [...fake.resources.values()].find((r) => r.type === 'Microsoft.Web/sites')
    expect(site()?.properties.virtualNetworkSubnetId).toBe(subnetId)
    const again = await deploy(build(undefined, { blob: false }), { subnetId })
    expect(again.plan.changes).toEqual([])
    const removed = await deploy(build(undefined, { blob: false }))
    expect(removed.plan.changes.map(describeChange)).toEqual([
      expect.stringMatching(/^~ update function-app shop-dev-\w+: no virtual network integration$/),
    ])
    expect(site()?.properties.virtualNetworkSubnetId).toBeUndefined()
    await expect(
      deploy(build(undefined, { blob: false }), { subnetId, plan: 'consumption' }),
    ).rejects.toThrow("azure.vnet needs azure.plan 'flex'")
  })

  it('deploys to Linux Consumption with the package in blob storage and WEBSITE_RUN_FROM_PACKAGE, and blob triggers', async () => {
    const made = build()
    await deploy(made, { plan: 'consumption' })
    const [siteId] = [...fake.settings.keys()]
    const settings = fake.settings.get(siteId ?? '') ?? {}
    expect(settings.FUNCTIONS_WORKER_RUNTIME).toBe('node')
    expect(settings.FUNCTIONS_EXTENSION_VERSION).toBe('~4')
    expect(settings.WEBSITE_RUN_FROM_PACKAGE).toMatch(
      new RegExp(`/xfn-deployment/${made.sha256}\\.zip\\?sv=.*&sig=`),
    )
    expect([...fake.blobs.keys()]).toEqual([
      expect.stringMatching(new RegExp(`/xfn-deployment/${made.sha256}\\.zip$`)),
      // The release's own copy, and its record.
      expect.stringMatching(new RegExp(`/xfn-deployment/xfn-releases/packages/${made.sha256}\\.zip$`)),
      expect.stringMatching(/\/xfn-deployment\/xfn-releases\/r1\.json$/),
    ])
    expect(mutations().some((m) => m.endsWith('/syncfunctiontriggers'))).toBe(true)
    // Nothing went to the SCM site's publish endpoint: the host runs the package the setting names.
    expect([...fake.published.values()].flat()).toEqual([])
    fake.requests.length = 0
    const again = await deploy(made, { plan: 'consumption' })
    expect(again.plan.changes).toEqual([])
    expect(fake.mutating()).toEqual([])
  })

  it("waits for the host's blobs_extension key after the first publish, then subscribes", async () => {
    fake.hostKeyDelay = 3
    const sleeps: number[] = []
    const c = clients()
    const target = await resolveTarget(c, { app: 'shop', stage: 'dev' })
    await applyPlan(c, await planDeploy(c, build(), target), {
      ...quick,
      sleep: async (ms) => void sleeps.push(ms),
    })
    // After the publish's one poll (500 ms): 1 s, 2 s, 4 s until the key exists.
    expect(sleeps).toEqual([500, 1000, 2000, 4000])
    expect([...fake.resources.keys()].some((id) => id.endsWith('/eventsubscriptions/xfn-audit'))).toBe(true)
  })

  it.each(['flex', 'consumption'] as const)(
    'sends blob deletions on %s through Event Grid to the function, retried then dead-lettered',
    async (plan) => {
      const withDeletions = build('export const v = 1', {
        extra: ({ app }) => {
          app.blob(
            'sweep',
            { bucket: 'receipts', prefix: 'old/', events: ['created', 'deleted'] },
            () => undefined,
          )
          app.blob('forget', { bucket: 'receipts', events: ['deleted'] }, () => undefined)
        },
      })
      await deploy(withDeletions, { plan })
      const subscriptions = [...fake.resources.values()].filter((r) => r.type.endsWith('eventSubscriptions'))
      const byName = new Map(subscriptions.map((r) => [r.name, r.properties]))
      expect([...byName.keys()].sort()).toEqual(
        plan === 'flex'
          ? ['xfn-audit', 'xfn-forget', 'xfn-sweep', 'xfn-sweep-deleted']
          : ['xfn-forget', 'xfn-sweep-deleted'],
      )
      expect(byName.get('xfn-sweep-deleted')).toMatchObject({
        destination: {
          endpointType: 'WebHook',
          properties: { endpointBaseUrl: expect.stringMatching(/\/runtime\/webhooks\/eventgrid$/) },
        },
        filter: {
          includedEventTypes: ['Microsoft.Storage.BlobDeleted'],
          subjectBeginsWith: '/blobServices/default/containers/receipts/blobs/old/',
        },
        retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
        deadLetterDestination: {
          endpointType: 'StorageBlob',
          properties: { blobContainerName: 'xfn-dead-letters' },
        },
      })
      expect(fake.webhookUrls).toContainEqual(
        expect.stringMatching(/functionName=sweep-deleted&code=eventgrid-key-/),
      )
      expect([...fake.resources.values()].some((r) => r.name === 'xfn-dead-letters')).toBe(true)
      fake.requests.length = 0
      await deploy(withDeletions, { plan })
      expect(mutations()).toEqual([])
    },
  )

  it('removes the event subscription of a removed blob function, and the topic with the last one', async () => {
    await deploy(build())
    const { plan } = await deploy(build(undefined, { blob: false }))
    expect(plan.changes.map(describeChange)).toEqual([
      '- delete event-subscription xfn-audit: its blob function is gone',
      '- delete event-topic shop-dev-blobs: no blob function needs it',
    ])
    expect([...fake.resources.values()].filter((r) => r.type.startsWith('Microsoft.EventGrid'))).toEqual([])
  })

  it('prints the changes of a dry run and changes nothing', async () => {
    const c = clients()
    const target = await resolveTarget(c, { app: 'shop', stage: 'dev' })
    const plan = await planDeploy(c, build(), target)
    expect(plan.changes.map(describeChange)).toMatchSnapshot()
    expect(fake.mutating()).toEqual([])
  })

  it('converges after an interruption at every mutating step', async () => {
    const made = build()
    await deploy(made)
    const steps = fake.mutating().length
    for (let stop = 0; stop < steps; stop++) {
      await fake.close()
      fake = await startFakeArm()
      let count = 0
      fake.failWhen = (request) =>
        request.mutating && count++ === stop
          ? { status: 400, code: 'Interrupted', message: 'the deploy was cut off here' }
          : undefined
      await expect(deploy(made), `stop at ${stop}`).rejects.toThrow(/Interrupted/)
      fake.failWhen = undefined
      await deploy(made)
      const { plan } = await deploy(made)
      expect(plan.changes.map(describeChange), `after an interruption at step ${stop}`).toEqual([])
      expect([...fake.published.values()].flat().at(-1)).toBe(made.sha256)
    }
  }, 60_000)

  it('destroys the resource group it made, and nothing when nothing is there', async () => {
    const { target } = await deploy(build(undefined, { blob: false }))
    const c = clients()
    const plan = await planDestroy(c, target)
    expect(plan.changes.map(describeChange)).toEqual(['- delete resource-group xfn-shop-dev: destroy'])
    await applyPlan(c, plan, quick)
    expect(fake.resources.size).toBe(0)
    expect((await planDestroy(c, target)).changes).toEqual([])
    expect((await describeDeployed(c, target)).functionApp).toBeUndefined()
  })

  it('in a resource group it did not make, destroys only its own resources', async () => {
    const c = clients()
    const group = `/subscriptions/${subscriptionId}/resourceGroups/shared`
    await c.resources.resourceGroups.createOrUpdate('shared', { location: 'westeurope' })
    await c.resources.resources.beginCreateOrUpdateByIdAndWait(
      `${group}/providers/Microsoft.Web/sites/theirs`,
      '2025-05-01',
      {
        location: 'eastus',
      },
    )
    const target = await resolveTarget(c, { app: 'shop', stage: 'dev', resourceGroup: 'shared' })
    expect(target.location).toBe('westeurope')
    await applyPlan(c, await planDeploy(c, build(undefined, { blob: false }), target), quick)
    await applyPlan(c, await planDestroy(c, target), quick)
    expect([...fake.resources.values()].map((r) => r.name).sort()).toEqual(['shared', 'theirs'])
  })
})

describe('a bucket or queue removed from the app', () => {
  it('deletes the queue and its poison queue, and keeps the container with its blobs, once', async () => {
    await deploy(build(undefined, { blob: false }))
    const made = build(undefined, { blob: false })
    const without = {
      ...made,
      manifest: {
        ...made.manifest,
        queues: [],
        buckets: [],
        functions: made.manifest.functions
          .filter((fn) => fn.trigger.type === 'http' || fn.trigger.type === 'timer')
          .map((fn) => ({ ...fn, uses: [] })),
      },
    }
    const { plan } = await deploy(without)
    expect(plan.changes.map(describeChange)).toEqual([
      '- delete queue orders: no longer declared by the app',
      '- delete queue orders-poison: no longer declared by the app',
      '~ update container receipts: no longer declared by the app; kept with its blobs, marked unused (xfn destroy removes it)',
    ])
    expect([...fake.resources.values()].some((r) => r.name === 'receipts')).toBe(true)
    expect((await deploy(without)).plan.changes).toEqual([])
  })
})

describe('xfn invoke --cloud azure', () => {
  it("calls an HTTP function through its URL with the app's key, and any other through the host's admin endpoint", async () => {
    const made = build()
    const { target } = await deploy(made)
    const c = clients()
    const fn = (name: string) => {
      const found = made.manifest.functions.find((f) => f.name === name)
      if (!found) throw new Error(`no function ${name}`)
      return found
    }
    const created = await invokeFunction(c, target, fn('createOrder'), { data: '{"sku":"tea"}' })
    expect(created).toEqual({
      status: 200,
      result: { called: '/orders', method: 'POST', body: '{"sku":"tea"}' },
      error: undefined,
      accepted: false,
    })
    const fulfilled = await invokeFunction(c, target, fn('fulfil'), { data: '{"sku":"tea"}' })
    expect(fulfilled).toMatchObject({ status: 202, accepted: true, error: undefined })
    expect(fake.appCalls.at(-1)).toEqual({
      method: 'POST',
      path: '/admin/functions/fulfil',
      body: JSON.stringify({ input: '{"sku":"tea"}' }),
    })
    await expect(invokeFunction(c, target, fn('getOrder'), { data: '' })).rejects.toThrow(
      "The route of 'getOrder' is /orders/{id}: pass the path to call, such as --path /orders/<id>.",
    )
  })
})

describe('errors of xfn deploy --cloud azure', () => {
  it('says how to sign in when there are no credentials', async () => {
    const c = createAzureClients({
      subscriptionId,
      credential: {
        getToken: async () => {
          throw Object.assign(new Error('ChainedTokenCredential authentication failed.'), {
            name: 'AggregateAuthenticationError',
          })
        },
      },
      endpoint: fake.endpoint,
    })
    await expect(resolveTarget(c, { app: 'shop', stage: 'dev' })).rejects.toThrow(
      /No Azure credentials were found. Sign in with 'az login', or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET/,
    )
  })

  it('says which environment variable holds the subscription', async () => {
    const { subscriptionFromEnvironment } = await import('./index.js')
    const saved = process.env.AZURE_SUBSCRIPTION_ID
    delete process.env.AZURE_SUBSCRIPTION_ID
    try {
      expect(() => subscriptionFromEnvironment(undefined)).toThrow(
        /Set AZURE_SUBSCRIPTION_ID \(az account show --query id -o tsv/,
      )
    } finally {
      if (saved !== undefined) process.env.AZURE_SUBSCRIPTION_ID = saved
    }
  })

  it('stops before changing anything when a global name is taken by another subscription', async () => {
    const c = clients()
    const target = await resolveTarget(c, { app: 'shop', stage: 'dev' })
    const { azureLayout } = await import('./index.js')
    fake.takenNames.add(azureLayout(target).storageAccount)
    await expect(planDeploy(c, build(undefined, { blob: false }), target)).rejects.toThrow(
      /storage account shop\w+ name\(s\) derived for shop \(dev\) are taken by another Azure subscription.*--stage/,
    )
    expect(fake.mutating()).toEqual([])
  })

  it('names the step, the resource, the ARM code and a hint when Resource Manager refuses', async () => {
    fake.failWhen = (request) =>
      request.method === 'PUT' && request.path.includes('/serverfarms/')
        ? {
            status: 403,
            code: 'AuthorizationFailed',
            message:
              "The client does not have authorization to perform action 'Microsoft.Web/serverfarms/write'",
          }
        : undefined
    await expect(deploy(build(undefined, { blob: false }))).rejects.toThrow(
      /create hosting-plan shop-dev-plan failed: AuthorizationFailed: The client does not have authorization .*the README lists the roles a deployer needs/,
    )
  })

  it("asks for Resource Manager tokens for Resource Manager, and the SCM site's audience for the publish", async () => {
    const scopes = new Set<string>()
    const c = createAzureClients({
      subscriptionId,
      credential: {
        getToken: async (scope) => {
          for (const one of [scope].flat()) scopes.add(one)
          return { token: fakeToken, expiresOnTimestamp: Date.now() + 3_600_000 }
        },
      },
      endpoint: fake.endpoint,
      tls: { ca: fakeCertificate },
    })
    const target = await resolveTarget(c, { app: 'shop', stage: 'dev' })
    await applyPlan(c, await planDeploy(c, build(undefined, { blob: false }), target, {}), quick)
    // (The SDK clients ask for their endpoint's scope, here the fake's.)
    expect([...scopes].filter((scope) => !scope.startsWith(fake.endpoint)).sort()).toEqual([
      'https://management.azure.com/.default',
      'https://management.core.windows.net/.default',
    ])
  })

  it('keeps polling a publish through transient 404s of its status, and takes a partial success', async () => {
    fake.deploymentNotFoundPolls = 2
    fake.deploymentOutcome = 6
    const made = build(undefined, { blob: false })
    await deploy(made)
    expect([...fake.published.values()].flat()).toEqual([made.sha256])
  })

  it.each([
    [5, 'conflict'],
    [-1, 'cancelled'],
  ] as const)(
    'ends a publish whose deployment reports %i (%s) at once, complete or not',
    async (status, _name) => {
      fake.deploymentOutcome = status
      await expect(deploy(build(undefined, { blob: false }))).rejects.toThrow(
        /The package could not be mounted/,
      )
    },
  )

  it('reports a failed publish with the deployment log, and publishes again on the next deploy', async () => {
    fake.deploymentOutcome = 3
    await expect(deploy(build(undefined, { blob: false }))).rejects.toThrow(
      /update code shop-dev-\w+ failed|Publishing to shop-dev-\w+ failed: The package could not be mounted. Its log: https:\/\/.*\/api\/deployments\/d1\/log/,
    )
    fake.deploymentOutcome = 4
    const { plan } = await deploy(build(undefined, { blob: false }))
    expect(plan.changes.map((c) => `${c.action} ${c.kind}`)).toEqual(['update code', 'create release'])
  })
})
