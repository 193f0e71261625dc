import { createApp, toManifest } from '@xfn/core'
import { registerEveryKind } from '../../../../../core/src/__fixtures__/every-kind.js'
import {
  applyPlan,
  createAwsClients,
  history,
  listReleases,
  planDeploy,
  planDestroy,
  resolveTarget,
  rollback,
} from '../index.js'
import { type Call, FakeAws, region } from './fake-aws.js'

/**
 * Every call of a first deploy of the one-of-each app with two topic subscriptions, a second with
 * new code, new settings, a new filter and two functions removed, a third with new code, a list of
 * the releases, a rollback and a look at the history, and a destroy, against the fake control plane.
 */
export async function commandsOfAFullLifecycle(): Promise<Call[]> {
  const fake = new FakeAws()
  try {
    const made = createApp()
    registerEveryKind(made)
    const placed = made.topic('order-placed')
    made.app.topic('notify', { topic: placed, filter: { region: ['eu'] } }, () => undefined)
    made.app.topic('archive', { topic: placed }, () => undefined)
    const manifest = toManifest(made.registry, { app: 'shop' })
    const handlers = Object.fromEntries(manifest.functions.map((fn) => [fn.name, `index.${fn.name}`]))
    const clients = createAwsClients({ region })
    const target = await resolveTarget(clients, 'shop', 'dev')
    const options = { sleep: async () => undefined }
    await applyPlan(
      clients,
      await planDeploy(clients, { manifest, zip: new Uint8Array([1]), handlers }, target),
      options,
    )
    const changed = {
      ...manifest,
      functions: manifest.functions
        .filter((fn) => fn.name !== 'audit' && fn.name !== 'archive')
        .map((fn) =>
          fn.name === 'fulfil'
            ? { ...fn, memoryMb: 512, trigger: { ...fn.trigger, batchSize: 2 } }
            : fn.name === 'notify'
              ? { ...fn, trigger: { ...fn.trigger, filter: { region: ['eu', 'us'] } } }
              : fn,
        ),
    }
    await applyPlan(
      clients,
      await planDeploy(
        clients,
        { manifest: changed as typeof manifest, zip: new Uint8Array([2]), handlers },
        target,
      ),
      options,
    )
    // New code, then a rollback to the release before it.
    await applyPlan(
      clients,
      await planDeploy(
        clients,
        { manifest: changed as typeof manifest, zip: new Uint8Array([3]), handlers },
        target,
      ),
      options,
    )
    await listReleases(clients, target)
    await history(clients, target, { since: new Date(0) })
    await rollback(clients, target, { to: undefined, codeOnly: false }, (...args) => args.join(' '))
    for (const bucket of fake.buckets.values()) bucket.objects.add('left-behind.txt')
    await applyPlan(clients, await planDestroy(clients, target), options)
    return [...fake.calls]
  } finally {
    fake.restore()
  }
}
