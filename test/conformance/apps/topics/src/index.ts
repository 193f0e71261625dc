import { app, bucket, queue, topic } from '@xfn/core'

/*
 * The topics conformance app: one topic and three subscriptions. Each subscription writes what
 * it got to the `results` bucket under `<subscription>/<id>`, where `id` is the published JSON
 * message's own `id` (or the text of a text message), which each driver reads back.
 * - `email` gets every message;
 * - `audit` only those whose `region` attribute is `eu` or `us`;
 * - `flaky` fails a message whose `fail` attribute is `yes`, which is retried, then
 *   dead-lettered into its own dead-letter queue; the other subscriptions are not affected.
 */

const orderPlaced = topic('order-placed')
const relays = queue('relays', { maxAttempts: 2, visibilityTimeoutSeconds: 1 })
const results = bucket('results')

const idOf = (text: string) => {
  try {
    const parsed = JSON.parse(text) as { id?: unknown }
    return typeof parsed === 'object' && parsed !== null && typeof parsed.id === 'string' ? parsed.id : text
  } catch {
    return text
  }
}

/** Publishes the request's JSON `message` (a string or any JSON value) with its `attributes`. */
app.http('publish', { route: '/publish', method: 'POST', uses: [orderPlaced] }, async (request) => {
  const { message, attributes } = (await request.json()) as {
    message: unknown
    attributes?: Record<string, string>
  }
  await orderPlaced.publish(message, attributes ? { attributes } : {})
  return { status: 202, json: { published: true } }
})

/** Publishes from a queue function: each message of `relays` goes to the topic as it is. */
app.queue('relay', { queue: relays, uses: [orderPlaced] }, async (message) => {
  await orderPlaced.publish(message.text(), { attributes: { via: 'queue' } })
})

const record =
  (subscription: string) =>
  async (message: {
    id: string
    text(): string
    attempt: number
    attributes: Readonly<Record<string, string>>
    topic: string
    publishedAt: Date
  }) => {
    const text = message.text()
    // A long text is recorded by its size and ends, so the results stay small.
    const long = text.length > 1000
    await results.put(
      `${subscription}/${long ? `long-${text.length}` : idOf(text)}`,
      JSON.stringify({
        ...(long ? { bytes: Buffer.byteLength(text), ends: [text.slice(0, 8), text.slice(-8)] } : { text }),
        attributes: message.attributes,
        topic: message.topic,
        attempt: message.attempt,
        hasId: message.id.length > 0,
        publishedRecently: Math.abs(Date.now() - message.publishedAt.getTime()) < 120_000,
      }),
    )
  }

app.topic('email', { topic: orderPlaced, uses: [results.writeOnly] }, record('email'))
app.topic(
  'audit',
  { topic: orderPlaced, filter: { region: ['eu', 'us'] }, uses: [results.writeOnly] },
  record('audit'),
)
app.topic(
  'flaky',
  { topic: orderPlaced, maxAttempts: 2, visibilityTimeoutSeconds: 1, uses: [results.writeOnly] },
  async (message) => {
    if (message.attributes.fail === 'yes') throw new Error(`refusing ${message.text()}`)
    await record('flaky')(message)
  },
)
