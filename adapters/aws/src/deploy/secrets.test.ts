import { createApp, toManifest } from '@xfn/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { account, FakeAws, region } from './__fixtures__/fake-aws.js'
import {
  type AwsBuild,
  applyPlan,
  createAwsClients,
  listSecrets,
  planDeploy,
  removeSecret,
  resolveTarget,
  setSecret,
} from './index.js'

/*
 * Secrets on AWS: SecureString parameters that `xfn secret set` writes, which a deploy requires,
 * grants exactly to the functions that read them, and never carries: the fake records every
 * request, checked against the SSM model, and none holds the value but the one that set it.
 */

function shopBuild(): AwsBuild {
  const { app, secret, registry } = createApp()
  const signingKey = secret('webhook-key')
  app.http('sign', { route: '/sign', method: 'POST', uses: [signingKey] }, () => ({ status: 200 }))
  app.http('other', { route: '/other' }, () => ({ status: 200 }))
  const manifest = toManifest(registry, { app: 'shop' })
  return {
    manifest,
    zip: new Uint8Array([1]),
    handlers: Object.fromEntries(manifest.functions.map((fn) => [fn.name, `index.${fn.name}`])),
  }
}

let fake: FakeAws
beforeEach(() => {
  fake = new FakeAws()
})
afterEach(() => fake.restore())

const options = { sleep: async () => undefined }
const value = 'whsec_Zoë_0123456789'

async function deploy() {
  const clients = createAwsClients({ region })
  const target = await resolveTarget(clients, 'shop', 'dev')
  await applyPlan(clients, await planDeploy(clients, shopBuild(), target), options)
}

describe('secrets on AWS', () => {
  it('stops a deploy whose secret has no value, before any change, with the command that sets it', async () => {
    await expect(deploy()).rejects.toThrow(
      "The app reads secret('webhook-key'), which has no value for stage dev in eu-west-1. Set it (the value is read from standard input), then deploy again: xfn secret set webhook-key --cloud aws --stage dev",
    )
    expect(fake.mutatingCalls()).toEqual([])
  })

  it('keeps a value as a SecureString that only the functions that read it may read, and carries it nowhere', async () => {
    const clients = createAwsClients({ region })
    const target = await resolveTarget(clients, 'shop', 'dev')
    await setSecret(clients, target, 'webhook-key', value)
    expect(fake.params.get('/xfn/shop/dev/secrets/webhook-key')?.value).toBe(value)
    fake.reset()
    await deploy()

    const parameterArn = `arn:aws:ssm:${region}:${account}:parameter/xfn/shop/dev/secrets/webhook-key`
    expect(JSON.parse(fake.roles.get('shop-dev-sign')?.policy ?? '{}').Statement).toContainEqual({
      Sid: 'ReadSecrets',
      Effect: 'Allow',
      Action: ['ssm:GetParameter'],
      Resource: [parameterArn],
    })
    expect(fake.roles.get('shop-dev-other')?.policy).not.toContain('ssm:')
    const environment = fake.functions.get('shop-dev-sign')?.config.Environment?.Variables ?? {}
    expect(JSON.parse(environment.XFN_RESOURCES ?? '{}').secrets).toEqual({
      'webhook-key': { parameter: '/xfn/shop/dev/secrets/webhook-key' },
    })
    // No request of the deploy holds the value, in any encoding.
    const sent = JSON.stringify(fake.calls)
    for (const form of [value, JSON.stringify(value).slice(1, -1), Buffer.from(value).toString('base64')])
      expect(sent).not.toContain(form)

    fake.reset()
    await deploy()
    expect(fake.mutatingCalls()).toEqual([])
  })

  it('lists names and times without values, overwrites a value, and removes one', async () => {
    const clients = createAwsClients({ region })
    const target = await resolveTarget(clients, 'shop', 'dev')
    await setSecret(clients, target, 'webhook-key', value)
    await setSecret(clients, target, 'webhook-key', `${value}-rotated`)
    await setSecret(clients, target, 'api-token', 'tok')
    const listed = await listSecrets(clients, target)
    expect(listed).toEqual([
      { name: 'api-token', changedAt: expect.stringMatching(/^\d{4}-/) },
      { name: 'webhook-key', changedAt: expect.stringMatching(/^\d{4}-/) },
    ])
    expect(JSON.stringify(listed)).not.toContain(value)
    expect(fake.params.get('/xfn/shop/dev/secrets/webhook-key')?.value).toBe(`${value}-rotated`)
    expect(await removeSecret(clients, target, 'api-token')).toBe(true)
    expect(await removeSecret(clients, target, 'api-token')).toBe(false)
    // Another stage's secrets are its own.
    const prod = await resolveTarget(clients, 'shop', 'prod')
    expect(await listSecrets(clients, prod)).toEqual([])
  })
})
