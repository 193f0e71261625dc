import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type FakeArm,
  fakeCertificate,
  fakeToken,
  metricsSummaryTable,
  startFakeArm,
} from '../../adapters/azure/src/deploy/__fixtures__/fake-arm.js'
import { copyOfApp, xfnAsync } from './helpers.js'

/*
 * The CLI against Azure, without Azure: Resource Manager and the publish endpoint are played by
 * an HTTPS server on 127.0.0.1 (XFN_AZURE_ENDPOINT), whose test certificate the CLI trusts
 * through NODE_EXTRA_CA_CERTS, with a fixed token (XFN_AZURE_ACCESS_TOKEN).
 */

const subscription = '00000000-0000-0000-0000-0000000000cc'
let fake: FakeArm
let certificate: string
beforeAll(async () => {
  fake = await startFakeArm()
  certificate = join(mkdtempSync(join(tmpdir(), 'xfn-azure-ca-')), 'fake-arm.pem')
  writeFileSync(certificate, fakeCertificate)
})
afterAll(() => fake.close())

/** Runs the CLI with no Azure settings of the machine: only what the test gives. */
function xfn(env: Record<string, string>, ...args: string[]) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AZURE_') && !key.startsWith('XFN_AZURE')),
  )
  return xfnAsync({ env: { ...clean, ...env } }, ...args)
}

const connected = () => ({
  AZURE_SUBSCRIPTION_ID: subscription,
  XFN_AZURE_ENDPOINT: fake.endpoint,
  XFN_AZURE_ACCESS_TOKEN: fakeToken,
  NODE_EXTRA_CA_CERTS: certificate,
})

describe('xfn deploy, status and destroy --cloud azure', () => {
  it('refuses a function timeout the Linux Consumption host would not start with, before any request', async () => {
    const app = copyOfApp('every-kind', 'azure-long-timeout')
    writeFileSync(
      join(app, 'xfn.config.ts'),
      "import { defineConfig } from '@xfn/cli'\nexport default defineConfig({ azure: { plan: 'consumption' } })\n",
    )
    appendFileSync(
      join(app, 'src/index.ts'),
      "app.timer('reindex', { every: '1 hour', timeoutSeconds: 900 }, () => undefined)\n",
    )
    const check = await xfn(connected(), 'check', app, '--cloud', 'azure')
    expect(check.code).toBe(1)
    expect(check.stdout).toMatch(/reindex.*timeoutSeconds of 900 is over the 600 s/s)
    const before = fake.requests.length
    const deploy = await xfn(connected(), 'deploy', app, '--cloud', 'azure', '--stage', 'ci')
    expect(deploy.code).not.toBe(0)
    expect(deploy.stderr).toMatch(/cannot be built for azure:.*reindex.*azure\.plan 'flex'/s)
    expect(fake.requests.length).toBe(before)
  })

  it('deploys an app with every kind of trigger to Linux Consumption, then changes nothing, shows it and removes it', async () => {
    const app = copyOfApp('every-kind', 'azure-lifecycle')
    writeFileSync(
      join(app, 'xfn.config.ts'),
      "import { defineConfig } from '@xfn/cli'\nexport default defineConfig({ azure: { plan: 'consumption', location: 'westeurope' } })\n",
    )
    const first = await xfn(connected(), 'deploy', app, '--cloud', 'azure', '--stage', 'ci')
    expect(first.stderr).not.toMatch(/Error/)
    expect(first.code).toBe(0)
    expect(first.stdout).toContain('+ create resource-group xfn-every-kind-ci: holds every resource')
    expect(first.stdout).toContain('+ create hosting-plan every-kind-ci-plan: Dynamic (Y1)')
    expect(first.stdout).toMatch(/✓ update code every-kind-ci-[0-9a-f]{6}/)
    expect(first.stdout).toMatch(/POST \/orders\s+\(key\)\s+→ createOrder/)
    const key = /API key \(send it as x-api-key\): (\S+)/.exec(first.stdout)?.[1]
    expect(key).toMatch(/^[\w-]{40}$/)
    const group = fake.get(`/subscriptions/${subscription}/resourceGroups/xfn-every-kind-ci`)
    expect(group?.location).toBe('westeurope')

    const again = await xfn(connected(), 'deploy', app, '--cloud', 'azure', '--stage', 'ci')
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('0 change(s)')
    expect(again.stdout).toContain(`API key (send it as x-api-key): ${key}`)

    const status = await xfn(connected(), 'status', app, '--cloud', 'azure', '--stage', 'ci')
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(
      /Function App every-kind-ci-[0-9a-f]{6}: Running on Y1, package [0-9a-f]{12}/,
    )
    expect(status.stdout).toContain('Queues: orders, orders-poison')
    expect(status.stdout).toMatch(/Code: the last local build \(.+\), sha256 [0-9a-f]{12}\./)

    // Invoking: an HTTP route through its URL with the key, a queue function through the admin endpoint.
    const called = await xfn(
      connected(),
      'invoke',
      'createOrder',
      '--project',
      app,
      '--cloud',
      'azure',
      '--stage',
      'ci',
      '--data',
      '{"sku":"tea"}',
      '--json',
    )
    expect(called.code).toBe(0)
    expect(JSON.parse(called.stdout)).toMatchObject({
      function: 'createOrder',
      status: 200,
      result: { called: '/orders' },
    })
    const queued = await xfn(
      connected(),
      'invoke',
      'fulfil',
      '--project',
      app,
      '--cloud',
      'azure',
      '--stage',
      'ci',
      '--data',
      '{"sku":"tea"}',
    )
    expect(queued.code).toBe(0)
    expect(queued.stdout).toContain('fulfil: the host took the run (202).')

    // Logs and metrics come from the app's workspace, asked by the Function App's name.
    fake.answerQuery = (query) =>
      query.includes('percentile')
        ? metricsSummaryTable([['fulfil', 3, 1, 0, 20, 40, 41, 41]])
        : query.includes('bin(TimeGenerated')
          ? { columns: [], rows: [] }
          : {
              columns: [
                'TimeGenerated',
                'Kind',
                'Category',
                'Function',
                'Message',
                'SeverityLevel',
                'InvocationId',
              ].map((name) => ({ name, type: 'string' })),
              rows: [
                [
                  new Date(Date.now() - 60_000).toISOString(),
                  'trace',
                  'Function.fulfil.User',
                  'fulfil',
                  JSON.stringify({
                    level: 'INFO',
                    invocationId: 'inv-1',
                    message: 'fulfilled',
                    function: 'fulfil',
                    fields: { sku: 'tea' },
                  }),
                  1,
                  'inv-1',
                ],
              ],
            }
    const env = { ...connected(), XFN_AZURE_LOGS_ENDPOINT: fake.endpoint }
    const logs = await xfn(env, 'logs', '--project', app, '--cloud', 'azure', '--stage', 'ci', '--json')
    expect(logs.stderr).not.toMatch(/Error/)
    expect(logs.code).toBe(0)
    expect(JSON.parse(logs.stdout.trim())).toMatchObject({
      cloud: 'azure',
      function: 'fulfil',
      kind: 'app',
      level: 'info',
      message: 'fulfilled',
      fields: { sku: 'tea' },
    })
    expect(fake.queries.at(-1)?.query).toMatch(/AppRoleName =~ 'every-kind-ci-[0-9a-f]{6}'/)
    const metrics = await xfn(env, 'metrics', '--project', app, '--cloud', 'azure', '--stage', 'ci', '--json')
    expect(metrics.code).toBe(0)
    expect(JSON.parse(metrics.stdout)).toMatchObject({
      cloud: 'azure',
      functions: expect.arrayContaining([
        expect.objectContaining({ function: 'fulfil', invocations: 3, errors: 1 }),
      ]),
    })

    const destroyed = await xfn(connected(), 'destroy', app, '--cloud', 'azure', '--stage', 'ci', '--yes')
    expect(destroyed.code).toBe(0)
    expect(destroyed.stdout).toContain('- delete resource-group xfn-every-kind-ci: destroy')
    expect(fake.get(`/subscriptions/${subscription}/resourceGroups/xfn-every-kind-ci`)).toBeUndefined()
  }, 120_000)

  it('plans Event Grid subscriptions for blob triggers on Flex Consumption, the default plan', async () => {
    const app = copyOfApp('every-kind', 'azure-flex-blob')
    fake.requests.length = 0
    const result = await xfn(connected(), 'deploy', app, '--cloud', 'azure', '--dry-run')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('+ create hosting-plan every-kind-dev-plan: FlexConsumption (FC1)')
    expect(result.stdout).toContain('+ create event-topic every-kind-dev-blobs:')
    expect(result.stdout).toContain(
      '+ create event-subscription xfn-audit: new blobs under receipts/r/* call audit',
    )
    expect(fake.mutating()).toEqual([])
  }, 60_000)

  it('names the environment variable when no subscription is set', async () => {
    const app = copyOfApp('every-kind', 'azure-no-subscription')
    const result = await xfn({}, 'status', app, '--cloud', 'azure')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('No Azure subscription is set. Set AZURE_SUBSCRIPTION_ID')
  })

  it('leaves Azure out of several clouds, saying why, when it cannot be read, and shows the others', async () => {
    const app = copyOfApp('every-kind', 'azure-all-clouds')
    const result = await xfn({}, 'logs', '--project', app, '--cloud', 'local,azure')
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('azure is left out: No Azure subscription is set.')
  })

  it('says how to sign in when there are no credentials', async () => {
    const app = copyOfApp('every-kind', 'azure-no-credentials')
    const result = await xfn(
      { AZURE_SUBSCRIPTION_ID: subscription, XFN_AZURE_ENDPOINT: fake.endpoint },
      'status',
      app,
      '--cloud',
      'azure',
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("No Azure credentials were found. Sign in with 'az login'")
    expect(result.stderr).toContain('AZURE_CLIENT_SECRET')
  }, 60_000)
})
