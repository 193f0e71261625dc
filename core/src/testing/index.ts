import { randomUUID } from 'node:crypto'
import { defaultRegistry, type Registry } from '../app.js'
import { createContext, type LogRecord } from '../context.js'
import type {
  BlobEvent,
  FunctionDefinition,
  QueueMessage,
  TimerTick,
  TopicMessage,
  Trigger,
  TriggerType,
} from '../definitions.js'
import { XfnError } from '../errors.js'
import { guardProvider } from '../grants.js'
import { toResponse } from '../http/result.js'
import { createRouter, unroutedResult } from '../http/router.js'
import { invokeHttp, textMessage, topicMessage } from '../invoke.js'
import { encodeMessage } from '../resources.js'
import { functionScope } from '../scope.js'
import { MemoryProvider } from './memory-provider.js'

export { MemoryProvider, type PublishedToTopic, type SentMessage } from './memory-provider.js'

function deadlineIn(seconds: number): () => number {
  const deadline = Date.now() + seconds * 1000
  return () => deadline - Date.now()
}

export interface TestHarnessOptions {
  /** The app to test; the process-wide app by default. */
  readonly registry?: Registry
  /** The values of the app's secrets, by name, which `secret(name).value()` gives. */
  readonly secrets?: Readonly<Record<string, string>>
}

/**
 * Runs an app's handlers in-process, as the clouds would: HTTP requests are routed (404, 405),
 * handler errors become 500s, logs are captured, and queues and buckets live in memory.
 *
 * @example
 * import './src/index.js'
 * const t = createTestHarness()
 * const res = await t.fetch('/orders', { method: 'POST', body: JSON.stringify({ sku: 'a' }) })
 * expect(res.status).toBe(202)
 * expect(t.sent('orders')).toHaveLength(1)
 */
export function createTestHarness(options: TestHarnessOptions = {}) {
  const registry = options.registry ?? defaultRegistry()
  const provider = new MemoryProvider()
  for (const [name, value] of Object.entries(options.secrets ?? {})) provider.secrets.set(name, value)
  const scope = functionScope()
  registry.resources.provider = guardProvider(provider, registry.functions, scope.caller)
  const logs: LogRecord[] = []
  const route = createRouter(registry.functions.values())

  const contextFor = (fn: FunctionDefinition) =>
    createContext({
      invocationId: randomUUID(),
      functionName: fn.name,
      cloud: 'local',
      remainingMs: deadlineIn(fn.settings.timeoutSeconds),
      sink: (record) => logs.push(record),
    })

  function find<T extends TriggerType>(
    name: string,
    type: T,
  ): FunctionDefinition<Extract<Trigger, { type: T }>> {
    const fn = registry.functions.get(name)
    if (!fn) {
      const known = [...registry.functions.keys()].join(', ') || 'none'
      throw new XfnError('UNKNOWN_FUNCTION', `there is no function '${name}'; the app has: ${known}.`)
    }
    if (fn.trigger.type !== type) {
      throw new XfnError(
        'UNKNOWN_FUNCTION',
        `function '${name}' is triggered by ${fn.trigger.type}, not ${type}.`,
      )
    }
    return fn as FunctionDefinition<Extract<Trigger, { type: T }>>
  }

  return {
    /** Sends a request through the app's router, like a client of the deployed app. */
    async fetch(input: string | Request, init?: RequestInit): Promise<Response> {
      const request =
        typeof input === 'string' ? new Request(new URL(input, 'http://localhost'), init) : input
      const outcome = route(request.method, new URL(request.url).pathname)
      if (outcome.status !== 'matched') return toResponse(unroutedResult(outcome), 'router')
      const { fn, params } = outcome
      return scope.run(fn.name, () => invokeHttp(fn, request, params, contextFor(fn)))
    },

    /** Delivers one message to a queue function; a handler error is thrown, as the cloud would retry. */
    async queue(
      name: string,
      value: unknown,
      delivery: { attempt?: number; id?: string } = {},
    ): Promise<void> {
      const fn = find(name, 'queue')
      const message: QueueMessage = textMessage({
        id: delivery.id ?? randomUUID(),
        body: encodeMessage(value, `queue function '${name}'`),
        attempt: delivery.attempt ?? 1,
        enqueuedAt: new Date(),
        native: { source: 'test' },
      })
      await scope.run(fn.name, () => fn.handler(message, contextFor(fn)))
    },

    /**
     * Delivers one published message to a topic function (one subscription), whatever its filter;
     * a handler error is thrown, as the cloud would retry.
     */
    async topic(
      name: string,
      value: unknown,
      delivery: { attributes?: Record<string, string>; attempt?: number; id?: string } = {},
    ): Promise<void> {
      const fn = find(name, 'topic')
      const message: TopicMessage = topicMessage({
        id: delivery.id ?? randomUUID(),
        body: encodeMessage(value, `topic function '${name}'`),
        attempt: delivery.attempt ?? 1,
        publishedAt: new Date(),
        attributes: delivery.attributes ?? {},
        topic: fn.trigger.topic,
        native: { source: 'test' },
      })
      await scope.run(fn.name, () => fn.handler(message, contextFor(fn)))
    },

    /** Fires a timer function once. */
    async timer(name: string, tick: Partial<Omit<TimerTick, 'native'>> = {}): Promise<void> {
      const fn = find(name, 'timer')
      const now = new Date()
      await scope.run(fn.name, () =>
        fn.handler(
          { scheduledAt: now, firedAt: now, isPastDue: false, ...tick, native: { source: 'test' } },
          contextFor(fn),
        ),
      )
    },

    /** Delivers one bucket event to a blob function. */
    async blob(name: string, event: Partial<Omit<BlobEvent, 'native'>> & { key: string }): Promise<void> {
      const fn = find(name, 'blob')
      await scope.run(fn.name, () =>
        fn.handler(
          {
            type: 'created',
            bucket: fn.trigger.bucket,
            size: 0,
            etag: '',
            time: new Date(),
            ...event,
            native: { source: 'test' },
          },
          contextFor(fn),
        ),
      )
    },

    /** Log records written by handlers so far. */
    logs,
    /** Messages sent to a queue (all queues when no name is given). */
    sent: (queueName?: string) =>
      provider.sent.filter((m) => queueName === undefined || m.queue === queueName),
    /** Messages published to a topic (all topics when no name is given). */
    published: (topicName?: string) =>
      provider.published.filter((m) => topicName === undefined || m.topic === topicName),
    /** The in-memory queues and buckets. */
    provider,
  }
}
