import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Manifest } from '@xfn/core'
import { desiredState, type TopicSubscription } from '../../../adapters/azure/src/deploy/desired.js'
import { topicEventType } from '../../../adapters/azure/src/runtime/topics.js'

/*
 * Event Grid for the Azure conformance driver, on 127.0.0.1: each topic's publishing endpoint,
 * which checks the Entra token (the one the driver's identity endpoint hands the Function App)
 * and the events as Event Grid's publish API documents them (an
 * array of events of its own schema, each with id, subject, eventType, eventTime, data and
 * dataVersion, at most 1 MB in a request), and delivery to the subscriptions the deployer
 * computes (desiredState), applying their filters as Event Grid's filtering documents them:
 * the event type among `includedEventTypes`, and each `StringIn` advanced filter's key present
 * with a string value equal to one of its values, without regard to case. A delivery that fails
 * is tried again up to the subscription's `maxDeliveryAttempts`, then dead-lettered. No Event
 * Grid emulator runs here, so this part is the team's own reading of those documents; the
 * invocations themselves go through the real @azure/functions path.
 */

const maxRequestBytes = 1024 * 1024

interface Delivery {
  readonly subscription: TopicSubscription
  readonly event: Record<string, unknown>
}

export type Invoke = (functionName: string, event: Record<string, unknown>) => Promise<void>

export class EmulatedEventGrid {
  readonly #server: Server
  readonly #subscriptions: readonly TopicSubscription[]
  readonly #pending: Delivery[] = []
  readonly #deadLetters: Delivery[] = []
  /** The XFN_TOPICS app setting, as the deployer writes it, pointing at this server. */
  readonly setting: string

  private constructor(server: Server, subscriptions: readonly TopicSubscription[], setting: string) {
    this.#server = server
    this.#subscriptions = subscriptions
    this.setting = setting
  }

  static async start(manifest: Manifest, identityToken: string): Promise<EmulatedEventGrid> {
    const desired = desiredState(
      { manifest, zip: new Uint8Array(), sha256: '' },
      {
        app: manifest.app,
        stage: 'test',
        subscriptionId: '00000000-0000-0000-0000-000000000000',
        location: 'westeurope',
        resourceGroup: 'conformance',
      },
    )
    const names = new Set(desired.topics.map((t) => t.name))
    let grid: EmulatedEventGrid | undefined
    const server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const answer = (status: number, message?: string) =>
          response
            .writeHead(status, { 'content-type': 'application/json' })
            .end(message ? JSON.stringify({ error: { code: String(status), message } }) : '')
        const topic = /^\/topics\/([^/]+)\/api\/events$/.exec(request.url ?? '')?.[1] ?? ''
        if (request.method !== 'POST' || !names.has(topic)) return answer(404, 'no such topic')
        if (request.headers.authorization !== `Bearer ${identityToken}`)
          return answer(401, 'the token is wrong')
        const body = Buffer.concat(chunks)
        if (body.byteLength > maxRequestBytes) return answer(413, 'the request is over 1 MB')
        let events: unknown
        try {
          events = JSON.parse(body.toString('utf8'))
        } catch {
          return answer(400, 'the body is not JSON')
        }
        const problem = schemaProblem(events)
        if (problem) return answer(400, problem)
        for (const event of events as Record<string, unknown>[]) grid?.publish(topic, event)
        return answer(200)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const setting = JSON.stringify(
      Object.fromEntries(
        desired.topics.map((t) => [
          t.logical,
          { endpoint: `http://127.0.0.1:${port}/topics/${t.name}/api/events` },
        ]),
      ),
    )
    grid = new EmulatedEventGrid(server, desired.topicSubscriptions, setting)
    return grid
  }

  /** Routes a published event to each subscription of its topic whose filter it passes. */
  publish(topic: string, event: Record<string, unknown>): void {
    for (const subscription of this.#subscriptions)
      if (subscription.topic.name === topic && passes(subscription, event))
        this.#pending.push({ subscription, event })
  }

  /** Delivers what is pending, each to its function, retried and then dead-lettered. */
  async drain(invoke: Invoke): Promise<void> {
    for (let delivery = this.#pending.shift(); delivery; delivery = this.#pending.shift()) {
      for (let attempt = 1; ; attempt++) {
        try {
          await invoke(delivery.subscription.function, delivery.event)
          break
        } catch {
          if (attempt >= delivery.subscription.maxDeliveryAttempts) {
            this.#deadLetters.push(delivery)
            break
          }
        }
      }
    }
  }

  /** Takes the texts of the messages one function's subscription dead-lettered. */
  takeDeadLetters(functionName: string): string[] {
    const taken = this.#deadLetters.filter((d) => d.subscription.function === functionName)
    for (const delivery of taken) this.#deadLetters.splice(this.#deadLetters.indexOf(delivery), 1)
    return taken.map((d) => String((d.event.data as { text?: unknown }).text))
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server.close(resolve))
  }
}

function schemaProblem(events: unknown): string | undefined {
  if (!Array.isArray(events)) return 'the body must be an array of events'
  for (const event of events) {
    if (typeof event !== 'object' || event === null) return 'an event must be an object'
    for (const field of ['id', 'subject', 'eventType', 'eventTime', 'dataVersion'])
      if (typeof (event as Record<string, unknown>)[field] !== 'string')
        return `an event's ${field} must be a string`
    if (!('data' in event)) return 'an event must have data'
    if (Number.isNaN(Date.parse((event as { eventTime: string }).eventTime)))
      return "an event's eventTime must be a date and time"
  }
  return undefined
}

/** Event Grid's filtering of one event for one subscription. */
function passes(subscription: TopicSubscription, event: Record<string, unknown>): boolean {
  // Every subscription includes xfn's event type alone.
  if (event.eventType !== topicEventType) return false
  return subscription.advancedFilters.every((filter) => {
    let value: unknown = event
    for (const part of filter.key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part]
    return (
      typeof value === 'string' &&
      filter.values.some((wanted) => wanted.toLowerCase() === value.toLowerCase())
    )
  })
}
