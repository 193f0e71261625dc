import { describe, expect, it } from 'vitest'
import { createApp } from './app.js'
import { toManifest } from './manifest.js'
import { checkPortability } from './portability.js'
import { cachedReader, secretRefreshMs } from './secrets.js'
import { createTestHarness } from './testing/index.js'

function shop() {
  const made = createApp()
  const stripe = made.secret('stripe-key')
  made.app.http('pay', { route: '/pay', method: 'POST', uses: [stripe] }, async () => ({
    json: { length: (await stripe.value()).length },
  }))
  made.app.http('peek', { route: '/peek' }, async () => ({ json: { value: await stripe.value() } }))
  return made
}

describe('secrets', () => {
  it('records the secrets and who reads them in the manifest, and nothing for an app without', () => {
    const manifest = toManifest(shop().registry, { app: 'shop' })
    expect(manifest.secrets).toEqual([{ name: 'stripe-key' }])
    expect(manifest.functions.find((fn) => fn.name === 'pay')?.uses).toEqual([
      { resource: 'secret', name: 'stripe-key', access: ['read'] },
    ])
    expect(toManifest(createApp().registry, { app: 'shop' })).not.toHaveProperty('secrets')
  })

  it('gives a function the value it declares, and refuses one that does not declare it', async () => {
    const t = createTestHarness({ registry: shop().registry, secrets: { 'stripe-key': 'sk_test_1234' } })
    expect(await (await t.fetch('/pay', { method: 'POST' })).json()).toEqual({ length: 12 })
    expect((await t.fetch('/peek')).status).toBe(500)
    expect(t.logs.at(-1)?.fields).toMatchObject({
      error: {
        message: expect.stringMatching(
          /^secret\('stripe-key'\)\.value\(\) was called by function 'peek', .* Add the secret to the function's options/,
        ),
      },
    })
  })

  it('says how to set a secret that has no value', async () => {
    const t = createTestHarness({ registry: shop().registry })
    await t.fetch('/pay', { method: 'POST' })
    expect(t.logs.at(-1)?.fields).toMatchObject({
      error: {
        message: expect.stringContaining(
          'the secret has no value here. Set it with: xfn secret set stripe-key',
        ),
      },
    })
  })

  it('reads a value once a minute at most, again after a failed or empty read, and a rotated one after the minute', async () => {
    let clock = 0
    let reads = 0
    let stored: string | undefined = 'v1'
    const read = cachedReader(
      async () => {
        reads++
        if (stored === 'broken') throw new Error('the store is down')
        return stored
      },
      () => clock,
    )
    const key = { name: 'api-key' }
    expect(await Promise.all([read(key), read(key)])).toEqual(['v1', 'v1'])
    stored = 'v2'
    clock = secretRefreshMs - 1
    expect(await read(key)).toBe('v1')
    clock = secretRefreshMs
    expect(await read(key)).toBe('v2')
    expect(reads).toBe(2)
    clock = 3 * secretRefreshMs
    stored = 'broken'
    await expect(read(key)).rejects.toThrow('the store is down')
    stored = undefined
    expect(await read(key)).toBeUndefined()
    stored = 'v3'
    expect(await read(key)).toBe('v3')
    expect(reads).toBe(5)
  })

  it('runs on every cloud', () => {
    expect(checkPortability(toManifest(shop().registry, { app: 'shop' })).portableTo).toEqual([
      'aws',
      'azure',
      'local',
    ])
  })

  it('refuses a name no cloud takes', () => {
    expect(() => createApp().secret('Stripe_Key')).toThrow("'Stripe_Key' is not a valid secret name")
  })
})
