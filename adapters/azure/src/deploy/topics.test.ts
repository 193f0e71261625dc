import { createHash } from 'node:crypto'
import { createApp, toManifest } from '@xfn/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { clientsOf, type FakeArm, startFakeArm } from './__fixtures__/fake-arm.js'
import {
  type AzureBuild,
  applyPlan,
  invokeFunction,
  planDeploy,
  planDestroy,
  resolveTarget,
} from './index.js'

/*
 * Topics on Azure: an Event Grid custom topic per topic, and per topic function an event
 * subscription calling the host's Event Grid webhook, against the fake Resource Manager, whose
 * bodies are checked against the types generated from the Azure REST API specifications.
 */

const subscriptionId = '00000000-0000-0000-0000-0000000000aa'

type Filter = Record<string, string[]>

function shopBuild(auditFilter: Filter | null = { region: ['eu', 'us'] }, withEmail = true): AzureBuild {
  const { app, topic, registry } = createApp()
  const placed = topic('order-placed')
  app.http('place', { route: '/orders', method: 'POST', uses: [placed] }, () => ({ status: 202 }))
  if (withEmail) app.topic('email', { topic: placed }, () => undefined)
  app.topic(
    'audit',
    { topic: placed, maxAttempts: 5, ...(auditFilter ? { filter: auditFilter } : {}) },
    () => undefined,
  )
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

async function deploy(made: AzureBuild) {
  const c = clients()
  const target = await resolveTarget(c, { app: 'shop', stage: 'dev' })
  await applyPlan(c, await planDeploy(c, made, target), quick)
  return target
}

const ofType = (type: string) => [...fake.resources.values()].filter((r) => r.type === type)
const mutations = () => fake.mutating().map((r) => `${r.method} ${r.path.replace(/^.*\/providers\//, '')}`)

describe('topics on Azure', () => {
  it('makes an Event Grid topic, a subscription per topic function, and gives publishers the endpoint and key', async () => {
    await deploy(shopBuild())
    const [topic, ...others] = ofType('Microsoft.EventGrid/topics')
    expect(others).toEqual([])
    expect(topic?.name).toMatch(/^order-placed-[0-9a-f]{10}$/)
    expect(topic?.tags).toEqual({ 'xfn:app': 'shop', 'xfn:stage': 'dev' })
    expect(topic?.properties).toMatchObject({ inputSchema: 'EventGridSchema' })

    const subscriptions = ofType('Microsoft.EventGrid/topics/eventSubscriptions')
    expect(subscriptions.map((s) => s.name).sort()).toEqual(['xfn-audit', 'xfn-email'])
    const audit = subscriptions.find((s) => s.name === 'xfn-audit')
    expect(audit?.properties).toMatchObject({
      destination: {
        endpointType: 'WebHook',
        properties: { endpointBaseUrl: expect.stringMatching(/\/runtime\/webhooks\/eventgrid$/) },
      },
      filter: {
        includedEventTypes: ['xfn.published'],
        advancedFilters: [{ operatorType: 'StringIn', key: 'data.attributes.region', values: ['eu', 'us'] }],
      },
      eventDeliverySchema: 'EventGridSchema',
      retryPolicy: { maxDeliveryAttempts: 5, eventTimeToLiveInMinutes: 1440 },
      deadLetterDestination: {
        endpointType: 'StorageBlob',
        properties: { blobContainerName: 'xfn-dead-letters' },
      },
    })
    // The webhook calls the function by name, with the host's Event Grid key.
    expect(fake.webhookUrls.filter((u) => u.includes('/runtime/webhooks/eventgrid')).sort()).toEqual([
      expect.stringMatching(/\?functionName=audit&code=eventgrid-key-shop-dev-[0-9a-f]{6}$/),
      expect.stringMatching(/\?functionName=email&code=eventgrid-key-shop-dev-[0-9a-f]{6}$/),
    ])

    const [settings] = [...fake.settings.values()]
    expect(JSON.parse(settings?.XFN_TOPICS ?? '{}')).toEqual({
      'order-placed': {
        endpoint: `https://${topic?.name}.${topic?.location}-1.eventgrid.azure.net/api/events`,
      },
    })
    expect([...fake.resources.keys()].some((id) => id.endsWith('/containers/xfn-dead-letters'))).toBe(true)
    // Publishers send with the Function App's identity, which may send to that topic alone.
    expect(JSON.stringify(settings)).not.toMatch(/"key"/)
    const senders = ofType('Microsoft.Authorization/roleAssignments').filter((r) =>
      String(r.properties.roleDefinitionId).endsWith('d5a91429-5739-47e2-a06b-3470a27159e7'),
    )
    expect(senders.map((r) => r.id.split('/providers/Microsoft.Authorization')[0])).toEqual([topic?.id])
  })

  it('gives publishers the key of a topic added to an app already deployed', async () => {
    const { app, registry } = createApp()
    app.http('place', { route: '/orders', method: 'POST' }, () => ({ status: 202 }))
    const zip = new TextEncoder().encode('export const v = 0')
    await deploy({
      manifest: toManifest(registry, { app: 'shop' }),
      zip,
      sha256: createHash('sha256').update(zip).digest('hex'),
    })
    expect([...fake.settings.values()][0]?.XFN_TOPICS).toBeUndefined()
    await deploy(shopBuild())
    const [topic] = ofType('Microsoft.EventGrid/topics')
    expect(JSON.parse([...fake.settings.values()][0]?.XFN_TOPICS ?? '{}')).toEqual({
      'order-placed': {
        endpoint: `https://${topic?.name}.${topic?.location}-1.eventgrid.azure.net/api/events`,
      },
    })
  })

  it('changes nothing on a redeploy of the same app', async () => {
    await deploy(shopBuild())
    fake.requests.length = 0
    await deploy(shopBuild())
    expect(mutations()).toEqual([])
  })

  it("changes one subscription's filter in place, and removes a subscription and a topic that are gone", async () => {
    await deploy(shopBuild())
    fake.requests.length = 0
    await deploy(shopBuild({ region: ['eu'] }))
    expect(mutations()).toEqual([
      expect.stringMatching(
        /^PUT Microsoft\.EventGrid\/topics\/order-placed-\w+\/eventSubscriptions\/xfn-audit$/,
      ),
    ])
    expect(
      ofType('Microsoft.EventGrid/topics/eventSubscriptions').find((s) => s.name === 'xfn-audit')?.properties,
    ).toMatchObject({ filter: { advancedFilters: [{ key: 'data.attributes.region', values: ['eu'] }] } })

    fake.requests.length = 0
    await deploy(shopBuild(null, false))
    expect(ofType('Microsoft.EventGrid/topics/eventSubscriptions').map((s) => s.name)).toEqual(['xfn-audit'])
    expect(
      ofType('Microsoft.EventGrid/topics/eventSubscriptions').find((s) => s.name === 'xfn-audit')?.properties,
    ).toMatchObject({ filter: { advancedFilters: [] } })

    // An app without topics has none left, and its settings name none.
    const { app, registry } = createApp()
    app.http('place', { route: '/orders', method: 'POST' }, () => ({ status: 202 }))
    const zip = new TextEncoder().encode('export const v = 2')
    await deploy({
      manifest: toManifest(registry, { app: 'shop' }),
      zip,
      sha256: createHash('sha256').update(zip).digest('hex'),
    })
    expect(ofType('Microsoft.EventGrid/topics')).toEqual([])
    expect(ofType('Microsoft.EventGrid/topics/eventSubscriptions')).toEqual([])
    expect([...fake.settings.values()][0]?.XFN_TOPICS).toBeUndefined()
  })

  it('invokes a topic function with the event its subscription would deliver', async () => {
    const made = shopBuild()
    const target = await deploy(made)
    const email = made.manifest.functions.find((fn) => fn.name === 'email')
    if (!email) throw new Error('email')
    const outcome = await invokeFunction(clients(), target, email, { data: '{"id":7}' })
    expect(outcome).toMatchObject({ status: 202, accepted: true })
    const call = fake.appCalls.at(-1)
    expect(call?.path).toBe('/admin/functions/email')
    const event = JSON.parse(JSON.parse(call?.body ?? '{}').input)
    expect(event).toMatchObject({
      subject: 'order-placed',
      eventType: 'xfn.published',
      dataVersion: '1',
      data: { text: '{"id":7}', attributes: {} },
    })
  })

  it('destroy removes the topics of an app in a resource group it does not own', async () => {
    const c = clients()
    const target = await deploy(shopBuild())
    expect(ofType('Microsoft.EventGrid/topics')).toHaveLength(1)
    await applyPlan(c, await planDestroy(c, target), quick)
    expect(ofType('Microsoft.EventGrid/topics')).toEqual([])
  })
})
