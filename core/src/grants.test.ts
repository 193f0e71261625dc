import { describe, expect, it } from 'vitest'
import { createApp } from './app.js'
import { errorClassOf, XfnError } from './errors.js'
import { toManifest } from './manifest.js'
import { createTestHarness } from './testing/index.js'

function ordersApp() {
  const made = createApp()
  const { app, queue, bucket } = made
  const orders = queue('orders')
  const receipts = bucket('receipts')
  app.http('declared', { route: '/declared', uses: [orders, receipts.readOnly] }, async () => {
    await orders.send('x')
    return { json: (await receipts.get('a'))?.text() ?? null }
  })
  app.http('sendsUndeclared', { route: '/undeclared' }, async () => {
    await orders.send('x')
    return { status: 204 }
  })
  app.http('writesReadOnly', { route: '/write', uses: [receipts.readOnly] }, async () => {
    await receipts.put('a', 'b')
    return { status: 204 }
  })
  app.blob('audit', { bucket: receipts, uses: [receipts.writeOnly] }, async (event) => {
    await receipts.get(event.key)
  })
  return made
}

describe('permissions derived from use', () => {
  it('merges declared grants with what the trigger implies, sorted, in the manifest', () => {
    const manifest = toManifest(ordersApp().registry, { app: 'shop' })
    const uses = Object.fromEntries(manifest.functions.map((f) => [f.name, f.uses]))
    expect(uses).toEqual({
      audit: [{ resource: 'bucket', name: 'receipts', access: ['read', 'write'] }],
      declared: [
        { resource: 'bucket', name: 'receipts', access: ['read'] },
        { resource: 'queue', name: 'orders', access: ['send'] },
      ],
      sendsUndeclared: [],
      writesReadOnly: [{ resource: 'bucket', name: 'receipts', access: ['read'] }],
    })
  })

  it('lets a function call what it declares', async () => {
    const t = createTestHarness({ registry: ordersApp().registry })
    expect((await t.fetch('/declared')).status).toBe(200)
    expect(t.sent('orders')).toHaveLength(1)
    await t.blob('audit', { key: 'a' })
  })

  it('refuses an undeclared call with an error naming the function, the resource and the fix', async () => {
    const t = createTestHarness({ registry: ordersApp().registry })
    // Through HTTP, the error is a 500 with the message in the log, as on a cloud.
    expect((await t.fetch('/undeclared')).status).toBe(500)
    const logged = t.logs.find((r) => r.level === 'error')?.fields?.error as { message: string }
    expect(logged.message).toBe(
      "queue('orders').send() was called by function 'sendsUndeclared', which does not declare that it uses it (send). Add the queue to the function's options: app.http('sendsUndeclared', { ..., uses: [...] }). Each function gets only the resources it declares, on every cloud.",
    )
    expect(t.sent('orders')).toEqual([])
    await t.fetch('/write')
    expect(JSON.stringify(t.logs)).toContain(
      "bucket('receipts').put() was called by function 'writesReadOnly', which does not declare that it uses it (write). Add the bucket (or its .writeOnly grant)",
    )
  })

  it('classes the refusal as a user error', () => {
    expect(errorClassOf(new XfnError('UNDECLARED_RESOURCE', 'x').code)).toBe('user')
  })

  it('rejects uses that are not resources, or that belong to another app', () => {
    const { app } = createApp()
    expect(() => app.http('a', { route: '/a', uses: ['orders' as never] }, () => undefined)).toThrow(
      "app.http('a'): option 'uses' must list resources made with queue(), bucket(), topic() or secret() (or grants such as receipts.readOnly), not the name 'orders'",
    )
    const other = createApp().queue('orders')
    expect(() => app.http('b', { route: '/b', uses: [other] }, () => undefined)).toThrow(
      "function 'b' uses queue('orders'), which belongs to another app; declare it with this app's queue().",
    )
  })
})
