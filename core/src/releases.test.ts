import { describe, expect, it } from 'vitest'
import { createApp } from './app.js'
import { toManifest } from './manifest.js'
import { checkRollback, pickRelease, releaseShape, settingsDigest, shapeDifferences } from './releases.js'

const command = (...args: string[]) => `xfn ${args.join(' ')}`

function shapeOf(register: (made: ReturnType<typeof createApp>) => void) {
  const made = createApp()
  register(made)
  return releaseShape(toManifest(made.registry, { app: 'shop' }))
}

const base = (made: ReturnType<typeof createApp>) => {
  const orders = made.queue('orders')
  made.app.http('createOrder', { route: '/orders', method: 'POST', uses: [orders] }, () => ({
    status: 202,
  }))
  made.app.queue('fulfil', { queue: orders }, () => undefined)
}

describe("a release's shape", () => {
  it('is the same for the same app, and differs by trigger, use and resource', () => {
    const then = shapeOf(base)
    expect(shapeDifferences(shapeOf(base), then)).toEqual({ differences: [], codeOnlySafe: true })
    const added = shapeOf((made) => {
      base(made)
      made.app.timer('nightly', { schedule: '0 2 * * *' }, () => undefined)
    })
    expect(shapeDifferences(added, then)).toEqual({
      differences: ["function 'nightly' (timer 0 2 * * *) was added since"],
      codeOnlySafe: true,
    })
    const moved = shapeOf((made) => {
      const orders = made.queue('orders')
      made.app.http('createOrder', { route: '/orders', method: 'POST', uses: [orders] }, () => ({
        status: 202,
      }))
      made.app.queue('fulfil', { queue: made.queue('payments') }, () => undefined)
    })
    expect(shapeDifferences(moved, then)).toEqual({
      differences: [
        "function 'fulfil' was queue orders, is now queue payments",
        'queue payments was added since',
      ],
      codeOnlySafe: false,
    })
  })

  it('is unsafe to run old code on when a function lost something it used', () => {
    const then = shapeOf(base)
    const now = shapeOf((made) => {
      made.queue('orders')
      made.app.http('createOrder', { route: '/orders', method: 'POST' }, () => ({ status: 202 }))
      made.app.queue('fulfil', { queue: made.queue('orders') }, () => undefined)
    })
    expect(shapeDifferences(now, then)).toEqual({
      differences: ["function 'createOrder' used queue orders, now nothing"],
      codeOnlySafe: false,
    })
  })
})

describe('checkRollback', () => {
  const then = shapeOf(base)
  const added = shapeOf((made) => {
    base(made)
    made.app.http('health', { route: '/health' }, () => ({ json: { ok: true } }))
  })

  it('lets a release of the same shape through, and a safe code-only one when asked', () => {
    expect(() =>
      checkRollback({ release: 'r1', live: then, target: then, codeOnly: false }, command),
    ).not.toThrow()
    expect(() =>
      checkRollback({ release: 'r1', live: added, target: then, codeOnly: true }, command),
    ).not.toThrow()
  })

  it('names the differences and offers the code-only rollback where a target can do one', () => {
    expect(() =>
      checkRollback({ release: 'r1', live: added, target: then, codeOnly: false }, command),
    ).toThrow(
      "Release r1 does not fit the app as deployed now:\n  - function 'health' (http GET /health) was added since\nIts code can still run on what exists now: xfn rollback --to r1 --code-only brings back only the code",
    )
    expect(() =>
      checkRollback({ release: 'r1', live: added, target: then, codeOnly: true, partial: false }, command),
    ).toThrow('This cloud runs one package for all the functions')
  })
})

describe('pickRelease', () => {
  const releases = [{ id: 'r1' }, { id: 'r2' }, { id: 'r3' }]
  it('takes the one before the live one, or the one named', () => {
    expect(pickRelease(releases, releases[2], undefined, command).id).toBe('r2')
    expect(pickRelease(releases, releases[1], undefined, command).id).toBe('r1')
    expect(pickRelease(releases, undefined, undefined, command).id).toBe('r3')
    expect(pickRelease(releases, releases[2], 'r1', command).id).toBe('r1')
    expect(() => pickRelease(releases, releases[0], undefined, command)).toThrow(
      'There is no release before r1, the live one, to roll back to; xfn releases lists them.',
    )
  })
})

describe('settingsDigest', () => {
  it('is the same in any order, and differs with any value', () => {
    expect(settingsDigest({ A: '1', B: '2' })).toBe(settingsDigest({ B: '2', A: '1' }))
    expect(settingsDigest({ A: '1' })).not.toBe(settingsDigest({ A: '2' }))
  })
})
