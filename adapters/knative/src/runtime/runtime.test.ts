import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp } from '@xfn/core'
import { CloudEvent, HTTP } from 'cloudevents'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blobCloudEvent, type S3EventRecord } from './events.js'
import { serveKnative } from './index.js'

/*
 * The container entry in-process, given CloudEvents made by the CNCF CloudEvents SDK in both of
 * the HTTP binding's modes, events shaped as Knative's own components make them (the PingSource
 * adapter, the dispatcher's dead-letter extensions), and S3 event records captured by others.
 */
const captures = new URL('../../../../test/fixtures/captures/', import.meta.url)
const s3Capture = (file: string) =>
  (JSON.parse(readFileSync(new URL(file, captures), 'utf8')) as { Records: S3EventRecord[] }).Records

describe('the Knative entry', () => {
  const { app, queue, bucket, topic, registry } = createApp()
  const seen: { fn: string; value: unknown }[] = []
  const orders = queue('orders', { maxAttempts: 3 })
  const fulfilled = topic('fulfilled')
  const uploads = bucket('uploads')
  let failures = 0
  app.queue('fulfil', { queue: orders }, (message) => {
    seen.push({ fn: 'fulfil', value: { text: message.text(), attempt: message.attempt } })
    if (message.text() === 'fail once' && failures++ === 0) throw new Error('not yet')
  })
  app.topic('bulk', { topic: fulfilled, filter: { size: ['bulk'] } }, (message) => {
    seen.push({ fn: 'bulk', value: { text: message.text(), attributes: message.attributes } })
  })
  app.timer('nightly', { schedule: '0 2 * * *' }, (tick) => {
    seen.push({ fn: 'nightly', value: tick.scheduledAt.toISOString() })
  })
  app.blob('audit', { bucket: uploads, prefix: 'Happy' }, (event) => {
    seen.push({ fn: 'audit', value: { type: event.type, key: event.key, size: event.size } })
  })
  app.http('send', { method: 'POST', route: '/send', uses: [orders, fulfilled] }, async (request) => {
    const body = await request.text()
    await orders.send(body)
    await fulfilled.publish(body, { attributes: { size: 'bulk', 'order-type': 'Zoë ✓' } })
    return { status: 202 }
  })
  app.http('boom', { route: '/boom' }, () => {
    throw new Error('a handler that throws')
  })

  const lines: string[] = []
  const received: CloudEvent<unknown>[] = []
  let entry: Server
  let broker: Server
  let url = ''
  beforeAll(async () => {
    broker = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        received.push(
          HTTP.toEvent({
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }) as CloudEvent<unknown>,
        )
        res.writeHead(202).end()
      })
    })
    await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve))
    entry = await serveKnative({
      registry,
      port: 0,
      env: { XFN_APP: 'shop', XFN_BROKER_URL: `http://127.0.0.1:${(broker.address() as AddressInfo).port}/` },
      write: (line) => lines.push(line),
    })
    url = `http://127.0.0.1:${(entry.address() as AddressInfo).port}`
  })
  afterAll(() => {
    entry.close()
    broker.close()
  })

  const deliver = (path: string, event: CloudEvent<unknown>, mode: 'binary' | 'structured') => {
    const message = mode === 'binary' ? HTTP.binary(event) : HTTP.structured(event)
    return fetch(`${url}${path}`, {
      method: 'POST',
      headers: message.headers as Record<string, string>,
      body: message.body as string,
    })
  }
  const queueEvent = (text: string, id?: string) =>
    new CloudEvent({
      ...(id ? { id } : {}),
      type: 'dev.xfn.queue.message',
      source: '/xfn/shop/queues/orders',
      datacontenttype: 'text/plain; charset=utf-8',
      data: text,
      xfnqueue: 'orders',
    })

  it.each(['binary', 'structured'] as const)(
    'gives a queue message in %s mode byte for byte',
    async (mode) => {
      seen.length = 0
      const text = `{"name":"Zoë ✓ 日本 🍵","quote":"\\"\\\\ \\n"}  ${mode}`
      const answer = await deliver('/_xfn/events/fulfil', queueEvent(text), mode)
      expect(answer.status).toBe(202)
      expect(await answer.text()).toBe('')
      expect(seen).toEqual([{ fn: 'fulfil', value: { text, attempt: 1 } }])
    },
  )

  it('answers 500 to a failure, so the broker retries, and counts the redelivery as the next attempt', async () => {
    seen.length = 0
    const event = queueEvent('fail once', 'message-7')
    expect((await deliver('/_xfn/events/fulfil', event, 'binary')).status).toBe(500)
    expect((await deliver('/_xfn/events/fulfil', event, 'binary')).status).toBe(202)
    expect(seen.map((s) => (s.value as { attempt: number }).attempt)).toEqual([1, 2])
  })

  it('refuses for good (400, not retried) an event that is not of its kind', async () => {
    const other = new CloudEvent({ type: 'com.example.other', source: '/x', data: {} })
    expect((await deliver('/_xfn/events/fulfil', other, 'binary')).status).toBe(400)
  })

  it("takes a topic's message and runs the handler only when the subscription's filter passes it", async () => {
    seen.length = 0
    const event = (size: string) =>
      new CloudEvent({
        type: 'dev.xfn.topic.message',
        source: '/xfn/shop/topics/fulfilled',
        datacontenttype: 'text/plain; charset=utf-8',
        data: 'hello',
        xfntopic: 'fulfilled',
        xfnattributes: Buffer.from(JSON.stringify({ size })).toString('base64url'),
      })
    expect((await deliver('/_xfn/events/bulk', event('single'), 'binary')).status).toBe(202)
    expect((await deliver('/_xfn/events/bulk', event('bulk'), 'structured')).status).toBe(202)
    expect(seen).toEqual([{ fn: 'bulk', value: { text: 'hello', attributes: { size: 'bulk' } } }])
  })

  it("runs a timer for a PingSource's event, as the mtping adapter makes it, at the schedule's last instant", async () => {
    seen.length = 0
    // eventing pkg/adapter/mtping/runner.go: type, source, the spec's data and content type; no scheduled time.
    const ping = new CloudEvent({
      type: 'dev.knative.sources.ping',
      source: '/apis/v1/namespaces/xfn-shop-dev/pingsources/fn-nightly',
      datacontenttype: 'application/json',
      data: { function: 'nightly' },
    })
    expect((await deliver('/_xfn/events/nightly', ping, 'binary')).status).toBe(202)
    const now = new Date()
    const lastTwoAm = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 2))
    if (lastTwoAm > now) lastTwoAm.setUTCDate(lastTwoAm.getUTCDate() - 1)
    expect(seen).toEqual([{ fn: 'nightly', value: lastTwoAm.toISOString() }])
  })

  it.each([
    ['aws-lambda-go', 'aws/aws-lambda-go__s3-event.json'],
    ['the .NET runtime', 'aws-corpus/dotnet__s3-event.json'],
  ])(
    'gives a blob function an S3 record captured by %s, as the CloudEvents S3 adapter maps it',
    async (_, file) => {
      seen.length = 0
      for (const record of s3Capture(file)) {
        const event = blobCloudEvent(record, 'uploads')
        expect(event.type).toBe(`com.amazonaws.s3.${record.eventName}`)
        expect(event.subject).toBe(record.s3.object.key)
        expect((await deliver('/_xfn/events/audit', event, 'binary')).status).toBe(202)
      }
      expect(seen.length).toBeGreaterThan(0)
      for (const s of seen) expect((s.value as { key: string }).key).not.toContain('%')
    },
  )

  it('writes a dead letter to the log with its body and the reason the dispatcher gives', async () => {
    const dead = queueEvent('poison ✓').cloneWith({
      knativeerrordest: 'http://fn-fulfil.xfn-shop-dev.svc.cluster.local/_xfn/events/fulfil',
      knativeerrorcode: '500',
      knativeerrordata: Buffer.from('order cannot be fulfilled').toString('base64'),
    })
    expect((await deliver('/_xfn/dead-letters/fulfil', dead, 'binary')).status).toBe(202)
    const line = JSON.parse(lines.find((l) => l.includes('dead-lettered')) ?? '{}')
    expect(line).toMatchObject({
      function: 'fulfil',
      kind: 'platform',
      message: 'message dead-lettered after answer 500',
      fields: { body: 'poison ✓', reason: 'order cannot be fulfilled' },
    })
  })

  it('sends and publishes through the broker as binary CloudEvents, text and attributes byte for byte', async () => {
    received.length = 0
    const body = '{"id":"o-1","name":"Zoë ✓"}'
    expect((await fetch(`${url}/send`, { method: 'POST', body })).status).toBe(202)
    const [sent, published] = received
    expect(sent).toMatchObject({ type: 'dev.xfn.queue.message', xfnqueue: 'orders', data: body })
    expect(published).toMatchObject({ type: 'dev.xfn.topic.message', xfntopic: 'fulfilled', data: body })
    expect(JSON.parse(Buffer.from(String(published?.xfnattributes), 'base64url').toString('utf8'))).toEqual({
      size: 'bulk',
      'order-type': 'Zoë ✓',
    })
  })

  it('answers a throwing handler 500 and goes on serving', async () => {
    expect((await fetch(`${url}/boom`)).status).toBe(500)
    expect((await fetch(`${url}/nowhere`)).status).toBe(404)
    expect((await fetch(`${url}/send`)).status).toBe(405)
  })
})
