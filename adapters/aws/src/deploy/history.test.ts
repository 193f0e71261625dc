import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GetFunctionCommand } from '@aws-sdk/client-lambda'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeAws, region } from './__fixtures__/fake-aws.js'
import { createAwsClients, history, resolveTarget } from './index.js'

/*
 * `xfn history` on AWS, against recorded LookupEvents answers (see the fixture's sources): only
 * the app's own changes are kept, reads and other stages are not, and a change whose request did
 * not carry xfn's User-Agent is marked as made by hand.
 */

const recorded = JSON.parse(
  readFileSync(new URL('./__fixtures__/cloudtrail/lookup-events.json', import.meta.url), 'utf8'),
) as { Events: FakeAws['trail'] }

let fake: FakeAws
beforeEach(() => {
  fake = new FakeAws()
})
afterEach(() => fake.restore())

describe('xfn history --cloud aws', () => {
  it("keeps the app's changes from CloudTrail and marks those xfn did not make", async () => {
    fake.trail = recorded.Events
    const clients = createAwsClients({ region })
    const target = await resolveTarget(clients, 'shop', 'dev')
    const changes = await history(clients, target, { since: new Date('2015-01-01T00:00:00Z') })
    expect(changes).toEqual([
      {
        at: '2026-11-20T10:00:00.000Z',
        by: 'arn:aws:iam::123456789012:user/deployer',
        action: 'UpdateFunctionCode',
        resource: 'shop-dev-fulfil',
        byXfn: true,
        failed: false,
      },
      {
        at: '2026-11-21T16:30:00.000Z',
        by: 'arn:aws:iam::123456789012:user/alice',
        action: 'UpdateFunctionConfiguration',
        resource: 'shop-dev-fulfil',
        byXfn: false,
        failed: false,
      },
    ])
    // One lookup attribute per call, as the API allows, by event source.
    const lookups = fake.calls.filter((c) => c.command === 'LookupEvents')
    expect(lookups.length).toBeGreaterThanOrEqual(8)
    expect(
      lookups.every(
        (c) => (c.input.LookupAttributes as { AttributeKey: string }[])[0]?.AttributeKey === 'EventSource',
      ),
    ).toBe(true)
  })

  it('looks only as far back as asked', async () => {
    fake.trail = recorded.Events
    const clients = createAwsClients({ region })
    const target = await resolveTarget(clients, 'shop', 'dev')
    const changes = await history(clients, target, { since: new Date('2026-11-21T00:00:00Z') })
    expect(changes.map((c) => c.action)).toEqual(['UpdateFunctionConfiguration'])
  })
})

describe("the mark CloudTrail records of xfn's requests", () => {
  it('is xfn/ in the User-Agent of every request the SDK clients send', async () => {
    fake.restore()
    const agents: string[] = []
    const server = createServer((req, res) => {
      agents.push(String(req.headers['user-agent']))
      res.writeHead(404, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'ResourceNotFoundException',
      })
      res.end('{"Type":"User","message":"Function not found"}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const environment = {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    }
    const before = Object.fromEntries(Object.keys(environment).map((name) => [name, process.env[name]]))
    Object.assign(process.env, environment)
    try {
      const clients = createAwsClients({ region })
      await clients.lambda
        .send(new GetFunctionCommand({ FunctionName: 'shop-dev-fulfil' }))
        .catch(() => undefined)
    } finally {
      for (const [name, value] of Object.entries(before))
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      server.close()
    }
    expect(agents.length).toBeGreaterThan(0)
    expect(agents.every((agent) => / xfn\/1( |$)/.test(agent))).toBe(true)
  })
})
