import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createApp, toManifest } from '@xfn/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { registerEveryKind } from '../../../../core/src/__fixtures__/every-kind.js'
import { clientsOf, type FakeArm, fakePrincipal, startFakeArm } from './__fixtures__/fake-arm.js'
import { xfnRequestIdPrefix } from './clients.js'
import { applyPlan, history, planDeploy, resolveTarget, rollback } from './index.js'

/*
 * `xfn history` on Azure, against the Activity Log: recorded events (the REST specification's
 * example, and a portal change made from it; see the fixture's sources), and the events the fake
 * Resource Manager logs of the requests it served, with the client request id each carried.
 */

const recorded = JSON.parse(
  readFileSync(new URL('./__fixtures__/activity-log/management-events.json', import.meta.url), 'utf8'),
) as { parameters: { $filter: string; 'api-version': string }; value: Record<string, unknown>[] }

const subscriptionId = '00000000-0000-0000-0000-0000000000aa'
let fake: FakeArm
beforeEach(async () => {
  fake = await startFakeArm()
})
afterEach(() => fake.close())

async function connect() {
  const clients = clientsOf(fake, subscriptionId)
  return { clients, target: await resolveTarget(clients, { app: 'shop', stage: 'dev' }) }
}

function build(code: string) {
  const made = createApp()
  registerEveryKind(made)
  const zip = new TextEncoder().encode(code)
  return {
    manifest: toManifest(made.registry, { app: 'shop' }),
    zip,
    sha256: createHash('sha256').update(zip).digest('hex'),
  }
}

const quick = { sleep: async () => undefined, pollIntervalMs: 1 }

describe('xfn history --cloud azure', () => {
  it("marks the app's changes xfn made by the client request id it sends, and the rest as made by hand", async () => {
    fake.activityLog.push(...recorded.value)
    const { clients, target } = await connect()
    await applyPlan(clients, await planDeploy(clients, build('export const v = 1'), target), quick)
    await applyPlan(clients, await planDeploy(clients, build('export const v = 2'), target), quick)
    await rollback(clients, target, { to: undefined, codeOnly: false }, (...a) => a.join(' '), quick)
    // Every Resource Manager and SCM request of the deploys and the rollback carried xfn's mark.
    const armRequests = fake.requests.filter((r) => !r.path.startsWith('blob:'))
    expect(armRequests.length).toBeGreaterThan(20)
    for (const r of armRequests)
      expect(r.clientRequestId, `${r.method} ${r.path}`).toMatch(
        new RegExp(`^${xfnRequestIdPrefix}[0-9a-f]{2}-[0-9a-f]{4}-`),
      )

    const changes = await history(clients, target, { since: new Date('2015-01-01T00:00:00Z') })
    const byHand = changes.filter((c) => !c.byXfn)
    // The portal's change, once (its start is not a change); the other group's event is not read.
    expect(byHand).toEqual([
      {
        at: '2026-11-21T16:30:00.000Z',
        by: 'admin@contoso.com',
        action: 'Microsoft.Web/sites/config/write',
        resource: 'Microsoft.Web/sites/shop-dev-57097a/config/appsettings',
        byXfn: false,
        failed: false,
      },
    ])
    // The request is the REST specification's example's: its api-version, and the same $filter
    // clauses with this group and window in place of the example's.
    const values = /'[^']*'/g
    expect(fake.activityLogQueries).toHaveLength(1)
    const [query] = fake.activityLogQueries
    expect(query?.apiVersion).toBe(recorded.parameters['api-version'])
    expect(query?.filter.replace(values, "'…'")).toBe(recorded.parameters.$filter.replace(values, "'…'"))
    expect(query?.filter).toContain("resourceGroupName eq 'xfn-shop-dev'")
    const byXfn = changes.filter((c) => c.byXfn)
    expect(byXfn.length).toBeGreaterThan(10)
    expect(new Set(byXfn.map((c) => c.by))).toEqual(new Set([fakePrincipal.objectId]))
    expect(byXfn.map((c) => c.action)).toContain('Microsoft.Web/sites/write')
  })
})
