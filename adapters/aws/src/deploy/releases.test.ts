import { createHash } from 'node:crypto'
import { createApp, type Manifest, toManifest } from '@xfn/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { registerEveryKind } from '../../../../core/src/__fixtures__/every-kind.js'
import { FakeAws, region } from './__fixtures__/fake-aws.js'
import {
  type AwsBuild,
  applyPlan,
  createAwsClients,
  type DeployOptions,
  listReleases,
  planDeploy,
  resolveTarget,
  rollback,
} from './index.js'

/*
 * Releases on AWS: every trigger invokes a function's `live` alias, a deploy publishes versions
 * and records a release, and a rollback moves the aliases back. The fake resolves an alias to its
 * version's code as Lambda does when a trigger invokes it.
 */

const encoder = new TextEncoder()

/** The one-of-each app (every trigger kind), with a topic subscription; `change` edits it. */
function build(
  code: string,
  change: (made: ReturnType<typeof createApp>) => void = () => undefined,
): AwsBuild {
  const made = createApp()
  registerEveryKind(made)
  made.app.topic('notify', { topic: made.topic('order-placed') }, () => undefined)
  change(made)
  const manifest = toManifest(made.registry, { app: 'shop' })
  return { manifest, zip: encoder.encode(code), handlers: handlersOf(manifest) }
}

const handlersOf = (manifest: Manifest) =>
  Object.fromEntries(manifest.functions.map((fn) => [fn.name, `index.${fn.name}`]))
const lambdaSha = (code: string) => createHash('sha256').update(encoder.encode(code)).digest('base64')
const command = (...args: string[]) => `xfn ${args.join(' ')}`

let fake: FakeAws
beforeEach(() => {
  fake = new FakeAws()
})
afterEach(() => fake.restore())

async function connect() {
  const clients = createAwsClients({ region })
  return { clients, target: await resolveTarget(clients, 'shop', 'dev') }
}

async function deploy(made: AwsBuild, options: DeployOptions = {}) {
  const { clients, target } = await connect()
  await applyPlan(clients, await planDeploy(clients, made, target, options), { sleep: async () => undefined })
}

/** The code each trigger's target runs, by trigger. */
function codeBehindEveryTrigger() {
  return Object.fromEntries(fake.triggerTargets().map((t) => [t.trigger, fake.codeBehind(t.arn)]))
}

describe('releases on AWS', () => {
  for (const api of ['http', 'rest'] as const)
    it(`rolls every trigger kind back to the earlier code by moving aliases only (${api} API)`, async () => {
      await deploy(build('export const v = 1'), { api, release: { commit: 'aaa111', dirty: false } })
      await deploy(build('export const v = 2'), { api, release: { commit: 'bbb222', dirty: true } })
      const triggers = codeBehindEveryTrigger()
      // Routes, the queue and topic mappings, the schedule and the bucket notification.
      expect(Object.keys(triggers).map((t) => t.split(' ')[0])).toEqual(
        expect.arrayContaining(['mapping', 'rule', 'notification', api === 'http' ? 'route' : 'method']),
      )
      expect(fake.triggerTargets().every((t) => t.arn.endsWith(':live'))).toBe(true)
      expect(new Set(Object.values(triggers))).toEqual(new Set([lambdaSha('export const v = 2')]))

      const { clients, target } = await connect()
      const listed = await listReleases(clients, target)
      expect(listed.map((r) => [r.id, r.live, r.commit, r.dirty, r.by])).toEqual([
        ['r1', false, 'aaa111', false, 'arn:aws:iam::123456789012:user/deployer'],
        ['r2', true, 'bbb222', true, 'arn:aws:iam::123456789012:user/deployer'],
      ])
      expect(listed[0]?.sha256).toBe(createHash('sha256').update('export const v = 1').digest('hex'))

      fake.reset()
      const back = await rollback(clients, target, { to: undefined, codeOnly: false }, command)
      expect(back.id).toBe('r1')
      // One call per function, and nothing else changes.
      expect(fake.mutatingCalls().map((c) => c.command)).toEqual(Array(6).fill('UpdateAlias'))
      expect(new Set(Object.values(codeBehindEveryTrigger()))).toEqual(
        new Set([lambdaSha('export const v = 1')]),
      )
      expect((await listReleases(clients, target)).map((r) => r.live)).toEqual([true, false])

      // Deploying v2 again moves the aliases back to its versions, publishing nothing new.
      fake.reset()
      await deploy(build('export const v = 2'), { api })
      expect(new Set(Object.values(codeBehindEveryTrigger()))).toEqual(
        new Set([lambdaSha('export const v = 2')]),
      )
      expect(fake.mutatingCalls().filter((c) => c.command === 'UpdateFunctionCode')).toHaveLength(0)
      expect((await listReleases(clients, target)).map((r) => `${r.id}${r.live ? '*' : ''}`)).toEqual([
        'r1',
        'r2',
        'r3*',
      ])
      fake.reset()
      await deploy(build('export const v = 2'), { api })
      expect(fake.mutatingCalls()).toEqual([])
    })

  it('moves an app deployed before aliases onto them, trigger by trigger, and drops the old permissions', async () => {
    await deploy(build('export const v = 1'), { api: 'http' })
    // The state a deploy of an earlier xfn left: every trigger on the unqualified function.
    const unqualified = (arn: string) => arn.replace(/:live$/, '')
    for (const fn of fake.functions.values()) {
      fn.statements = fn.aliases.get('live')?.statements ?? new Map()
      fn.aliases.clear()
      fn.versions.clear()
    }
    for (const m of fake.mappings.values()) m.FunctionArn = unqualified(m.FunctionArn ?? '')
    for (const rule of fake.rules.values())
      rule.targets = rule.targets.map((t) => ({ ...t, Arn: unqualified(t.Arn ?? '') }))
    for (const bucket of fake.buckets.values())
      for (const c of bucket.notifications.LambdaFunctionConfigurations ?? [])
        c.LambdaFunctionArn = unqualified(c.LambdaFunctionArn ?? '')
    for (const api of fake.apis.values())
      for (const [id, uri] of api.integrations) api.integrations.set(id, unqualified(uri))
    for (const name of [...fake.params.keys()]) if (name.includes('/releases/')) fake.params.delete(name)
    expect(fake.triggerTargets().some((t) => t.arn.endsWith(':live'))).toBe(false)

    await deploy(build('export const v = 1'), { api: 'http' })
    expect(fake.triggerTargets().every((t) => t.arn.endsWith(':live'))).toBe(true)
    expect(new Set(Object.values(codeBehindEveryTrigger()))).toEqual(
      new Set([lambdaSha('export const v = 1')]),
    )
    for (const fn of fake.functions.values()) {
      expect([...fn.statements.keys()].filter((sid) => sid.startsWith('xfn-'))).toEqual([])
      expect(fn.aliases.get('live')?.version).toBe('1')
    }
    fake.reset()
    await deploy(build('export const v = 1'), { api: 'http' })
    expect(fake.mutatingCalls()).toEqual([])
  })

  it('keeps releases.keep releases, and deletes the versions only older ones ran', async () => {
    for (const v of [1, 2, 3]) await deploy(build(`export const v = ${v}`), { release: { keep: 2 } })
    const { clients, target } = await connect()
    expect((await listReleases(clients, target)).map((r) => r.id)).toEqual(['r2', 'r3'])
    expect([...(fake.functions.get('shop-dev-fulfil')?.versions.keys() ?? [])]).toEqual(['2', '3'])
    await expect(rollback(clients, target, { to: 'r1', codeOnly: false }, command)).rejects.toThrow(
      'There is no release r1 (there are: r2, r3); xfn releases lists them.',
    )
  })

  it('refuses a release whose functions or resources differ, and offers the code-only rollback when it is safe', async () => {
    await deploy(build('export const v = 1'))
    await deploy(
      build('export const v = 2', (made) => {
        made.app.http('health', { route: '/health' }, () => ({ json: { ok: true } }))
      }),
    )
    const { clients, target } = await connect()
    fake.reset()
    const refusal = rollback(clients, target, { to: 'r1', codeOnly: false }, command)
    await expect(refusal).rejects.toThrow(
      /Release r1 does not fit the app as deployed now:\n {2}- function 'health' \(http GET \/health\) was added since\n/,
    )
    await expect(refusal).rejects.toThrow(/xfn rollback --to r1 --code-only brings back only the code/)
    expect(fake.mutatingCalls()).toEqual([])

    await rollback(clients, target, { to: 'r1', codeOnly: true }, command)
    expect(fake.codeBehind('shop-dev-fulfil:live')).toBe(lambdaSha('export const v = 1'))
    // The function r1 did not have keeps its code.
    expect(fake.codeBehind('shop-dev-health:live')).toBe(lambdaSha('export const v = 2'))
  })

  it('refuses, without a code-only offer, a release whose function is gone', async () => {
    await deploy(build('export const v = 1'))
    await deploy(
      build('export const v = 2', (made) => {
        made.registry.functions.delete('notify')
      }),
    )
    const { clients, target } = await connect()
    const refusal = rollback(clients, target, { to: 'r1', codeOnly: true }, command)
    await expect(refusal).rejects.toThrow(/function 'notify' \(topic order-placed\) is no longer deployed/)
    await expect(refusal).rejects.toThrow(/only a deploy can bring it back/)
  })

  it('records the release a deploy interrupted after moving the aliases did not', async () => {
    await deploy(build('export const v = 1'))
    fake.failNext('PutParameter')
    await expect(deploy(build('export const v = 2'))).rejects.toThrow()
    const { clients, target } = await connect()
    expect((await listReleases(clients, target)).map((r) => `${r.id}${r.live ? '*' : ''}`)).toEqual(['r1'])
    await deploy(build('export const v = 2'))
    expect((await listReleases(clients, target)).map((r) => `${r.id}${r.live ? '*' : ''}`)).toEqual([
      'r1',
      'r2*',
    ])
  })
})
