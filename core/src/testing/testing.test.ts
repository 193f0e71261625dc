import { describe, expect, it } from 'vitest'
import { registerEveryKind } from '../__fixtures__/every-kind.js'
import { createApp } from '../app.js'
import { createTestHarness } from './index.js'

function harness() {
  const made = createApp()
  registerEveryKind(made)
  return createTestHarness({ registry: made.registry })
}

describe('the test harness', () => {
  it('routes a request, runs the handler, and records what it sent', async () => {
    const t = harness()
    const response = await t.fetch('/orders', { method: 'POST', body: JSON.stringify({ sku: 'tea' }) })
    expect(response.status).toBe(202)
    expect(await response.json()).toEqual({ accepted: 'tea' })
    expect(t.sent('orders')).toEqual([{ queue: 'orders', body: '{"sku":"tea"}' }])
  })

  it('delivers a queue message, and the handler writes to a bucket another function reads', async () => {
    const t = harness()
    await t.queue('fulfil', { sku: 'tea' }, { attempt: 2 })
    const response = await t.fetch('/orders/tea')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ sku: 'tea', attempt: 2 })
    expect(t.logs).toContainEqual(
      expect.objectContaining({
        function: 'fulfil',
        level: 'info',
        message: 'fulfilled',
        fields: { sku: 'tea' },
      }),
    )
  })

  it('throws a queue handler error, as the cloud would retry the message', async () => {
    await expect(harness().queue('fulfil', { sku: 'poison' })).rejects.toThrow('cannot fulfil a poison order')
  })

  it('answers 404, 405, and 400 from the handler', async () => {
    const t = harness()
    expect((await t.fetch('/nowhere')).status).toBe(404)
    const wrongMethod = await t.fetch('/orders', { method: 'DELETE' })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST')
    expect((await t.fetch('/orders', { method: 'POST', body: '{}' })).status).toBe(400)
  })

  it('turns a handler error into a generic 500 and logs it with the invocation id', async () => {
    const t = harness()
    const response = await t.fetch('/orders', { method: 'POST', body: 'not json' })
    expect(response.status).toBe(500)
    const body = (await response.json()) as { error: string; invocationId: string }
    expect(body.error).toBe('Internal Server Error')
    expect(JSON.stringify(body)).not.toContain('SyntaxError')
    const logged = t.logs.find((r) => r.level === 'error')
    expect(logged?.invocationId).toBe(body.invocationId)
    expect(logged?.fields?.error).toMatchObject({ name: 'SyntaxError' })
  })

  it('fires timers and blob functions, and names unknown functions clearly', async () => {
    const t = harness()
    await t.timer('nightly')
    await t.blob('audit', { key: 'r/tea.json', size: 20 })
    expect(t.logs.map((r) => r.message)).toEqual(['summary', 'receipt written'])
    await expect(t.timer('nope')).rejects.toThrow("there is no function 'nope'; the app has: createOrder")
    await expect(t.timer('fulfil')).rejects.toThrow("function 'fulfil' is triggered by queue, not timer")
  })

  it('refuses resource calls outside a runtime with a clear message', async () => {
    const { queue } = createApp()
    await expect(queue('jobs').send('x')).rejects.toThrow(/outside an xfn runtime.*createTestHarness/)
  })
})
