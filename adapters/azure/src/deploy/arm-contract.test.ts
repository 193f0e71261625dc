import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkBody, contractFor } from './__fixtures__/arm-contract.js'
import { type FakeArm, fakeCertificate, fakeToken, startFakeArm } from './__fixtures__/fake-arm.js'
import { createAzureClients, staticTokenCredential } from './index.js'

const subscriptionId = '00000000-0000-0000-0000-0000000000aa'
const group = `/subscriptions/${subscriptionId}/resourceGroups/contract`

let fake: FakeArm
beforeEach(async () => {
  fake = await startFakeArm()
})
afterEach(() => fake.close())

/** A raw PUT through the SDK's generic resource client: its body reaches the wire as written. */
async function put(id: string, apiVersion: string, body: Record<string, unknown>) {
  const c = createAzureClients({
    subscriptionId,
    credential: staticTokenCredential(fakeToken),
    endpoint: fake.endpoint,
    tls: { ca: fakeCertificate },
  })
  await c.resources.resourceGroups.createOrUpdate('contract', { location: 'westeurope' })
  return c.resources.resources.beginCreateOrUpdateByIdAndWait(`${group}/providers/${id}`, apiVersion, body, {
    updateIntervalInMs: 1,
  })
}

describe('the fake Resource Manager holds requests to the REST API contract', () => {
  it('refuses a misspelled property, naming it and where it is', async () => {
    await expect(
      put('Microsoft.EventGrid/systemTopics/blobs', '2022-06-15', {
        location: 'westeurope',
        properties: { source: `${group}/providers/Microsoft.Storage/storageAccounts/s`, topicTyp: 'x' },
      }),
    ).rejects.toThrow(/InvalidRequestContent|properties\.topicTyp is not a property of properties/)
    expect(
      fake.resources.has(`${group}/providers/microsoft.eventgrid/systemtopics/blobs`.toLowerCase()),
    ).toBe(false)
  })

  it('refuses a value of the wrong type, one outside its enum, and a missing required property', () => {
    expect(
      checkBody('Microsoft.Web/sites', '2025-05-01', {
        location: 'eastus',
        properties: { functionAppConfig: { scaleAndConcurrency: { maximumInstanceCount: '40' } } },
      }),
    ).toEqual([
      'properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount is "40", not an integer',
    ])
    expect(
      checkBody('Microsoft.Storage/storageAccounts/blobServices/containers', '2025-08-01', {
        properties: { publicAccess: 'Nobody' },
      }),
    ).toEqual(['properties.publicAccess is "Nobody", not one of Container, Blob, None'])
    expect(checkBody('Microsoft.Storage/storageAccounts', '2025-08-01', { location: 'eastus' })).toEqual([
      'sku is required',
      'kind is required',
    ])
    // A destination is told apart by its endpointType, and holds only that kind's properties.
    expect(
      checkBody('Microsoft.EventGrid/systemTopics/eventSubscriptions', '2022-06-15', {
        properties: { destination: { endpointType: 'WebHook', properties: { queueName: 'q' } } },
      }),
    ).toEqual([expect.stringMatching(/^properties\.destination\.properties\.queueName is not a property/)])
  })

  it("checks a site's settings by the name in its URL, and patches without requiring what a put needs", () => {
    expect(
      checkBody(
        'Microsoft.Web/sites/config',
        '2025-05-01',
        { properties: { A: '1' } },
        { name: 'appsettings' },
      ),
    ).toEqual([])
    expect(
      checkBody(
        'Microsoft.Web/sites',
        '2025-05-01',
        { properties: { serverFarmId: 'x' } },
        { partial: true },
      ),
    ).toEqual([])
  })

  it('uses the api-version asked for, or the newest contract before it, and says when there is none', () => {
    expect(contractFor('Microsoft.Storage/storageAccounts', '2025-08-01')?.version).toBe('2025-08-01')
    // Microsoft.Web's generated types stop at 2025-03-01; the SDK sends 2025-05-01.
    expect(contractFor('Microsoft.Web/sites', '2025-05-01')?.version).toBe('2025-03-01')
    expect(checkBody('Microsoft.Web/sites', '2024-04-01', {})).toEqual([
      'no contract for Microsoft.Web/sites at or before api-version 2024-04-01',
    ])
  })
})
