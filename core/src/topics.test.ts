import { describe, expect, it } from 'vitest'
import { createApp } from './app.js'
import { toManifest } from './manifest.js'
import { checkPortability, describeTrigger } from './portability.js'
import { createTestHarness } from './testing/index.js'
import { matchesFilter, topicMessageLimit } from './topics.js'

function shop() {
  const made = createApp()
  const { app, topic, bucket } = made
  const orderPlaced = topic('order-placed')
  const seen = bucket('seen')
  app.http('place', { route: '/place', method: 'POST', uses: [orderPlaced] }, async (request) => {
    const { message, attributes } = (await request.json()) as {
      message: unknown
      attributes?: Record<string, string>
    }
    await orderPlaced.publish(message, { attributes: attributes ?? {} })
    return { status: 202 }
  })
  app.http('sneaky', { route: '/sneaky', method: 'POST' }, async () => {
    await orderPlaced.publish('x')
    return { status: 202 }
  })
  app.topic('email', { topic: orderPlaced, uses: [seen.writeOnly] }, async (message) => {
    await seen.put(
      `email/${message.id}`,
      `${message.topic} ${message.text()} ${JSON.stringify(message.attributes)}`,
    )
  })
  app.topic(
    'audit',
    { topic: 'order-placed', filter: { region: ['us', 'eu'] }, maxAttempts: 3 },
    () => undefined,
  )
  return made
}

const post = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body) })

describe('topics', () => {
  it('records subscriptions with their filter, retries and batch, and the topic in the manifest', () => {
    const manifest = toManifest(shop().registry, { app: 'shop' })
    expect(manifest.topics).toEqual([{ name: 'order-placed' }])
    expect(manifest.functions.find((fn) => fn.name === 'audit')?.trigger).toEqual({
      type: 'topic',
      topic: 'order-placed',
      filter: { region: ['eu', 'us'] },
      maxAttempts: 3,
      visibilityTimeoutSeconds: 30,
      batchSize: 10,
    })
    expect(manifest.functions.find((fn) => fn.name === 'place')?.uses).toEqual([
      { resource: 'topic', name: 'order-placed', access: ['publish'] },
    ])
    // An app without topics has the manifest it had before topics existed.
    const plain = createApp()
    plain.app.http('hi', { route: '/hi' }, () => ({ body: 'hi' }))
    expect('topics' in toManifest(plain.registry, { app: 'plain' })).toBe(false)
  })

  it('publishes what a function declares, with its attributes, and refuses what it does not', async () => {
    const t = createTestHarness({ registry: shop().registry })
    expect((await t.fetch('/place', post({ message: { id: 1 }, attributes: { region: 'eu' } }))).status).toBe(
      202,
    )
    expect(t.published('order-placed')).toEqual([
      { topic: 'order-placed', body: '{"id":1}', attributes: { region: 'eu' } },
    ])
    const refused = await t.fetch('/sneaky', post({}))
    expect(refused.status).toBe(500)
    expect(t.logs.at(-1)?.fields).toMatchObject({
      error: {
        message: expect.stringMatching(
          /^topic\('order-placed'\)\.publish\(\) was called by function 'sneaky', .* Add the topic /,
        ),
      },
    })
  })

  it.each([
    [
      '11 attributes',
      Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v'])),
      'over the limit of 10',
    ],
    ['a name with a dot', { 'a.b': 'v' }, 'attribute name "a.b" is not valid'],
    ['an empty value', { a: '' }, "attribute 'a' must be a non-empty string"],
    ['a number', { a: 1 }, "attribute 'a' must be a non-empty string"],
    ['a list', ['a'], "'attributes' must be an object"],
    [
      'a value with a control character',
      { a: 'x\u0001' },
      "attribute 'a' holds the character U+0001 at index 1",
    ],
    ['an empty message', {}, 'the message is empty', ''],
    ['a message with U+FFFF', {}, 'the message holds the character U+FFFF at index 2', 'ab\uffff'],
    ['a message with a NUL', {}, 'the message holds the character U+0000 at index 0', '\u0000'],
  ])('refuses %s before publishing anything', async (_what, attributes, message, body = 'x') => {
    const made = shop()
    const orderPlaced = made.topic('order-placed')
    const t = createTestHarness({ registry: made.registry })
    await expect(orderPlaced.publish(body, { attributes: attributes as never })).rejects.toThrow(message)
    expect(t.published()).toEqual([])
  })

  it('takes a message of 256 KiB with its attributes, and refuses one byte more', async () => {
    const made = shop()
    const orderPlaced = made.topic('order-placed')
    const t = createTestHarness({ registry: made.registry })
    const attributes = { region: 'eu' }
    const fits = 'x'.repeat(topicMessageLimit - 'region'.length - 'eu'.length)
    await orderPlaced.publish(fits, { attributes })
    await expect(orderPlaced.publish(`${fits}y`, { attributes })).rejects.toThrow(
      `the message is ${topicMessageLimit + 1} bytes with its attributes, over the limit of 256 KiB`,
    )
    expect(t.published()).toHaveLength(1)
  })

  it('delivers a message to one subscription in tests, with its attributes and topic', async () => {
    const made = shop()
    const t = createTestHarness({ registry: made.registry })
    await t.topic('email', { id: 7 }, { id: 'm-1', attributes: { region: 'eu' } })
    const stored = await t.provider.getObject({ name: 'seen' }, 'email/m-1')
    expect(new TextDecoder().decode(stored?.body)).toBe('order-placed {"id":7} {"region":"eu"}')
  })

  it.each([
    [{ region: [] }, "must give 'region' a list of one or more non-empty strings"],
    [{}, 'must test at least one attribute'],
    [{ 'a.b': ['x'] }, 'has attribute name "a.b"'],
    [Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => [n, ['x']])), 'over the limit of 5'],
    ['eu', 'must be an object of attribute names'],
    [
      { a: ['1', '2', '3', '4', '5', '6'], b: ['1', '2', '3', '4', '5'], c: ['1', '2', '3', '4', '5', '6'] },
      'has 180 combinations of values',
    ],
    [{ a: Array.from({ length: 26 }, (_, i) => `v${i}`) }, 'lists 26 values in all, over the limit of 25'],
    [{ a: ['x'.repeat(513)] }, "has a value of 'a' of 513 characters, over the limit of 512"],
  ])('refuses the filter %j', (filter, message) => {
    const { app, topic } = createApp()
    expect(() =>
      app.topic('t', { topic: topic('order-placed'), filter: filter as never }, () => undefined),
    ).toThrow(message)
  })

  it('takes a topic, not a queue, and names its options', () => {
    const { app, queue } = createApp()
    expect(() => app.topic('t', { topic: queue('orders') as never }, () => undefined)).toThrow(
      "option 'topic' must be a topic, not a queue",
    )
    expect(() => app.topic('t', { topic: 'order-placed', retries: 3 } as never, () => undefined)).toThrow(
      "unknown option 'retries'",
    )
    expect(() => app.topic('t', { topic: 'order-placed', maxAttempts: 31 }, () => undefined)).toThrow(
      "'maxAttempts' must be a whole number from 1 to 30",
    )
  })

  it('takes a filter of 150 combinations and 25 values, and text with every character SQS holds', async () => {
    const made = shop()
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`)
    made.app.topic(
      'wide',
      { topic: 'order-placed', filter: { a: values(6), b: values(5), c: values(5), d: ['x'.repeat(512)] } },
      () => undefined,
    )
    const t = createTestHarness({ registry: made.registry })
    const text = '\t\n\r Zoë ✓ 日本 🍵 \ud7ff\ue000\ufffd\u{10ffff}'
    await made.topic('order-placed').publish(text, { attributes: { a: text } })
    expect(t.published()).toHaveLength(1)
  })

  it('matches a filter when every attribute it tests has one of its values', () => {
    expect(matchesFilter({}, {})).toBe(true)
    expect(matchesFilter({ region: ['eu', 'us'] }, { region: 'us', tier: 'gold' })).toBe(true)
    expect(matchesFilter({ region: ['eu'] }, { region: 'EU' })).toBe(false)
    expect(matchesFilter({ region: ['eu'], tier: ['gold'] }, { region: 'eu' })).toBe(false)
  })

  it('runs topics on every cloud, and describes a subscription with its filter', () => {
    const made = shop()
    made.app.topic('slow', { topic: 'order-placed', visibilityTimeoutSeconds: 300 }, () => undefined)
    const report = checkPortability(toManifest(made.registry, { app: 'shop' }))
    expect(report.portableTo).toEqual(['aws', 'azure', 'local'])
    // Event Grid retries on its own schedule, which a warning says.
    expect(report.findings).toEqual([
      {
        cloud: 'azure',
        subject: "function 'slow'",
        severity: 'warning',
        message: expect.stringMatching(
          /^Event Grid retries a failed message on its own schedule .* visibilityTimeoutSeconds of 300$/,
        ),
      },
    ])
    const audit = report.functions.find((fn) => fn.name === 'audit')
    expect(audit?.trigger).toBe('topic order-placed (region=eu|us)')
    expect(
      describeTrigger({
        type: 'topic',
        topic: 'a',
        filter: {},
        maxAttempts: 5,
        visibilityTimeoutSeconds: 30,
        batchSize: 10,
      }),
    ).toBe('topic a')
  })
})
