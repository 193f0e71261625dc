import type {
  BlobHandler,
  BlobTrigger,
  FunctionDefinition,
  FunctionSettings,
  HttpHandler,
  HttpTrigger,
  QueueHandler,
  QueueTrigger,
  TimerHandler,
  TimerTrigger,
  TopicHandler,
  TopicTrigger,
  Trigger,
} from './definitions.js'
import { blobEventTypes } from './definitions.js'
import { XfnError } from './errors.js'
import { checkUses, type Usable } from './grants.js'
import { parseRoute } from './http/route.js'
import { type HttpAuth, type HttpMethod, httpAuthModes, httpMethods } from './http/types.js'
import { validateName } from './names.js'
import { integerBetween, isString, listOf, type OptionCheck, oneOf, validateOptions } from './options.js'
import {
  type Bucket,
  bucketHandle,
  declareBucket,
  declareQueue,
  declareTopic,
  type Queue,
  type QueueOptions,
  queueHandle,
  ResourceTable,
  type Topic,
  topicHandle,
} from './resources.js'
import { parseSchedule } from './schedule/index.js'
import { secretHandle } from './secrets.js'
import { checkFilter, defaultTopicVisibilitySeconds, type TopicFilter } from './topics.js'

/*
 * Validation and bundles: `xfn build` loads the app in record mode, where every registration is
 * validated, then bundles it with `process.env.XFN_PREVALIDATED` defined as "true". Each check
 * below tests that expression itself (not a helper), so the bundler folds it to a constant and
 * drops the validation code from deployed functions, which keeps them small and their cold
 * starts short.
 */

export interface FunctionOptions {
  /** 1 to 900 seconds; default 30. */
  readonly timeoutSeconds?: number
  /** 128 to 4096 MB; default 256. */
  readonly memoryMb?: number
  /**
   * The queues and buckets the handler calls: a queue to send to it, a bucket to read and write
   * it, `bucket.readOnly` or `bucket.writeOnly` for less. The function gets these and nothing
   * else, on every cloud; a trigger's own bucket is readable without listing it.
   */
  readonly uses?: readonly Usable[]
}

export interface HttpOptions extends FunctionOptions {
  /** `/items/{id}` for one segment, `/files/{*path}` for the rest of the path. */
  readonly route: string
  /** One method or a list; default GET. */
  readonly method?: HttpMethod | readonly HttpMethod[]
  /** `public` (default) or `key`: callers must send the app's key in `x-api-key`. */
  readonly auth?: HttpAuth
}

export interface QueueTriggerOptions extends FunctionOptions {
  readonly queue: Queue | string
  /** Messages fetched together, 1 to 10; the handler still gets one message at a time. Default 10. */
  readonly batchSize?: number
}

export interface TimerOptions extends FunctionOptions {
  /** A 5-field cron or a 6-field NCRONTAB with seconds first, in UTC. */
  readonly schedule?: string
  /** An interval such as '5 minutes', instead of `schedule`. */
  readonly every?: string
}

export interface TopicTriggerOptions extends FunctionOptions {
  readonly topic: Topic | string
  /** Only messages whose attributes pass: each name listed must have one of its values. */
  readonly filter?: TopicFilter
  /** Deliveries before a message is dead-lettered into this subscription's own dead-letter queue; 1 to 30, default 5. */
  readonly maxAttempts?: number
  /** How long a delivered message stays hidden before it is tried again; 1 to 43200 s, default 30. */
  readonly visibilityTimeoutSeconds?: number
  /** Messages fetched together, 1 to 10; the handler still gets one message at a time. Default 10. */
  readonly batchSize?: number
}

export interface BlobOptions extends FunctionOptions {
  readonly bucket: Bucket | string
  readonly prefix?: string
  readonly suffix?: string
  /** Default ['created']. */
  readonly events?: readonly ('created' | 'deleted')[]
}

/** The functions and resources of one app. Plain data plus handlers; read by every adapter. */
export class Registry {
  readonly functions = new Map<string, FunctionDefinition>()
  readonly resources = new ResourceTable()

  /** Adds a definition: the funnel behind app.http, app.queue, app.timer and app.blob. */
  define(definition: FunctionDefinition): void {
    if (process.env.XFN_PREVALIDATED !== 'true') checkDefinition(this.functions, this.resources, definition)
    this.functions.set(definition.name, definition)
  }
}

function checkDefinition(
  functions: ReadonlyMap<string, FunctionDefinition>,
  resources: ResourceTable,
  definition: FunctionDefinition,
): void {
  const clash = [...functions.values()].find((f) => f.name.toLowerCase() === definition.name.toLowerCase())
  if (clash) {
    throw new XfnError(
      'DUPLICATE_NAME',
      `function '${definition.name}' is defined twice${clash.name === definition.name ? '' : ` (as '${clash.name}'; Azure function names ignore case)`}; give each function its own name.`,
    )
  }
  for (const used of definition.uses) {
    const kind = used.kind === 'grant' ? used.resource : used.kind
    const declared: ReadonlyMap<string, unknown> =
      kind === 'queue'
        ? resources.queues
        : kind === 'topic'
          ? resources.topics
          : kind === 'secret'
            ? resources.secrets
            : resources.buckets
    if (!declared.has(used.name))
      throw new XfnError(
        'INVALID_OPTIONS',
        `function '${definition.name}' uses ${kind}('${used.name}'), which belongs to another app; declare it with this app's ${kind}().`,
      )
  }
  const { trigger } = definition
  if (trigger.type !== 'http') return
  for (const other of functions.values()) {
    if (other.trigger.type !== 'http' || other.trigger.route.shape !== trigger.route.shape) continue
    const shared = trigger.methods.filter((m) => (other.trigger as HttpTrigger).methods.includes(m))
    if (shared.length > 0) {
      throw new XfnError(
        'ROUTE_CONFLICT',
        `function '${definition.name}' claims ${shared.join(', ')} ${trigger.route.template}, which function '${other.name}' already serves as ${other.trigger.route.template}; change the route or the methods of one of them.`,
      )
    }
  }
}

export interface App {
  /** Serves HTTP requests on a route. */
  http(name: string, options: HttpOptions, handler: HttpHandler): void
  /** Consumes a queue, one message per call; a thrown error retries the message, then dead-letters it. */
  queue(name: string, options: QueueTriggerOptions, handler: QueueHandler): void
  /** Runs on a schedule (UTC). */
  timer(name: string, options: TimerOptions, handler: TimerHandler): void
  /** Reacts to objects created or deleted in a bucket. */
  blob(name: string, options: BlobOptions, handler: BlobHandler): void
  /**
   * Subscribes to a topic: gets its own copy of every message published after it exists (that
   * passes its filter), one per call; a thrown error retries the message, then dead-letters it
   * into this subscription's own dead-letter queue.
   */
  topic(name: string, options: TopicTriggerOptions, handler: TopicHandler): void
  /** The funnel every kind of function goes through. */
  generic(
    name: string,
    trigger: Trigger,
    settings: FunctionOptions,
    handler: FunctionDefinition['handler'],
  ): void
}

/** The checks of the settings every function takes (made on demand, so bundles that skip validation drop them). */
function settingChecks(): Record<string, OptionCheck> {
  return { timeoutSeconds: integerBetween(1, 900), memoryMb: integerBetween(128, 4096), uses: checkUses }
}

const prefixCheck: OptionCheck = (value) =>
  isString(value) ??
  (/[{}]/.test(value as string) || (value as string).startsWith('/')
    ? "must not start with '/' or contain braces"
    : undefined)

const resourceRef: OptionCheck = (value) =>
  typeof value === 'string' || (typeof value === 'object' && value !== null && 'kind' in value)
    ? undefined
    : 'must be a resource made with queue(), bucket() or topic(), or its name'

/**
 * Makes an app with its own registry: `app`, `queue` and `bucket` bound to it. The package's
 * default exports are one such app, shared by every copy of the package loaded in a process.
 *
 * @example
 * const { app, queue } = createApp()
 * app.http('hello', { route: '/hello' }, () => ({ json: { hello: 'world' } }))
 */
export function createApp(registry = new Registry()) {
  const table = registry.resources
  return {
    app: appOf(registry),
    queue: (name: string, options?: QueueOptions) => queueHandle(table, name, options),
    bucket: (name: string) => bucketHandle(table, name),
    topic: (name: string) => topicHandle(table, name),
    secret: (name: string) => secretHandle(table, name),
    registry,
  }
}

/** The `app` of a registry: registration only; resources are declared, their handles made elsewhere. */
export function appOf(registry: Registry): App {
  const table = registry.resources
  function generic(
    name: string,
    trigger: Trigger,
    settings: FunctionOptions,
    handler: FunctionDefinition['handler'],
  ) {
    if (process.env.XFN_PREVALIDATED !== 'true') {
      validateName('function', name, `app.${trigger.type}(${JSON.stringify(name)})`)
      if (typeof handler !== 'function') {
        throw new XfnError(
          'INVALID_OPTIONS',
          `app.${trigger.type}('${name}'): the last argument must be the handler function.`,
        )
      }
    }
    const resolved: FunctionSettings = {
      timeoutSeconds: settings.timeoutSeconds ?? 30,
      memoryMb: settings.memoryMb ?? 256,
    }
    registry.define({
      name,
      trigger,
      settings: resolved,
      uses: settings.uses ?? [],
      handler,
    } as FunctionDefinition)
  }

  const where = (kind: string, name: string) => `app.${kind}('${String(name)}')`

  const app: App = {
    http(name, options, handler) {
      const at = where('http', name)
      if (process.env.XFN_PREVALIDATED !== 'true') {
        validateOptions(at, options, {
          checks: {
            ...settingChecks(),
            route: isString,
            method: listOf(httpMethods),
            auth: oneOf(httpAuthModes),
          },
          required: ['route'],
        })
      }
      const method = options.method ?? 'GET'
      const trigger: HttpTrigger = {
        type: 'http',
        methods: typeof method === 'string' ? [method] : [...method],
        route: parseRoute(options.route, at),
        auth: options.auth ?? 'public',
      }
      generic(name, trigger, options, handler)
    },
    queue(name, options, handler) {
      const at = where('queue', name)
      if (process.env.XFN_PREVALIDATED !== 'true') {
        validateOptions(at, options, {
          checks: { ...settingChecks(), queue: resourceRef, batchSize: integerBetween(1, 10) },
          required: ['queue'],
        })
        const kind = typeof options.queue === 'string' ? 'queue' : options.queue.kind
        if (kind !== 'queue')
          throw new XfnError('INVALID_OPTIONS', `${at}: option 'queue' must be a queue, not a ${kind}.`)
      }
      const source = typeof options.queue === 'string' ? declareQueue(table, options.queue) : options.queue
      if (!table.queues.has(source.name)) {
        const { maxAttempts, visibilityTimeoutSeconds, fifo } = source
        declareQueue(table, source.name, { maxAttempts, visibilityTimeoutSeconds, fifo })
      }
      const trigger: QueueTrigger = { type: 'queue', queue: source.name, batchSize: options.batchSize ?? 10 }
      generic(name, trigger, options, handler)
    },
    timer(name, options, handler) {
      const at = where('timer', name)
      if (process.env.XFN_PREVALIDATED !== 'true') {
        validateOptions(at, options, { checks: { ...settingChecks(), schedule: isString, every: isString } })
        parseSchedule(options, at)
      }
      const { schedule, every } = options
      const trigger: TimerTrigger = {
        type: 'timer',
        schedule: every === undefined ? { schedule } : { every },
      }
      generic(name, trigger, options, handler)
    },
    blob(name, options, handler) {
      const at = where('blob', name)
      if (process.env.XFN_PREVALIDATED !== 'true') {
        validateOptions(at, options, {
          checks: {
            ...settingChecks(),
            bucket: resourceRef,
            prefix: prefixCheck,
            suffix: prefixCheck,
            events: listOf(blobEventTypes),
          },
          required: ['bucket'],
        })
        const kind = typeof options.bucket === 'string' ? 'bucket' : options.bucket.kind
        if (kind !== 'bucket')
          throw new XfnError('INVALID_OPTIONS', `${at}: option 'bucket' must be a bucket, not a ${kind}.`)
      }
      const source =
        typeof options.bucket === 'string' ? declareBucket(table, options.bucket) : options.bucket
      if (!table.buckets.has(source.name)) declareBucket(table, source.name)
      const trigger: BlobTrigger = {
        type: 'blob',
        bucket: source.name,
        prefix: options.prefix ?? '',
        suffix: options.suffix ?? '',
        events: [...(options.events ?? ['created'])],
      }
      generic(name, trigger, options, handler)
    },
    topic(name, options, handler) {
      const at = where('topic', name)
      if (process.env.XFN_PREVALIDATED !== 'true') {
        validateOptions(at, options, {
          checks: {
            ...settingChecks(),
            topic: resourceRef,
            filter: checkFilter,
            // Event Grid, Azure's topics, delivers an event at most 30 times.
            maxAttempts: integerBetween(1, 30),
            visibilityTimeoutSeconds: integerBetween(1, 43200),
            batchSize: integerBetween(1, 10),
          },
          required: ['topic'],
        })
        const kind = typeof options.topic === 'string' ? 'topic' : options.topic.kind
        if (kind !== 'topic')
          throw new XfnError('INVALID_OPTIONS', `${at}: option 'topic' must be a topic, not a ${kind}.`)
      }
      const source = declareTopic(
        table,
        typeof options.topic === 'string' ? options.topic : options.topic.name,
      )
      const trigger: TopicTrigger = {
        type: 'topic',
        topic: source.name,
        filter: options.filter ?? {},
        maxAttempts: options.maxAttempts ?? 5,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? defaultTopicVisibilitySeconds,
        batchSize: options.batchSize ?? 10,
      }
      generic(name, trigger, options, handler)
    },
    generic,
  }
  return app
}

const globalKey = Symbol.for('xfn.registry.v1')

/**
 * The process-wide registry. It lives on `globalThis`, so a user bundle and the xfn tooling that
 * loads it share it even when each carries its own copy of this package.
 */
export function defaultRegistry(): Registry {
  const holder = globalThis as { [globalKey]?: Registry }
  holder[globalKey] ??= new Registry()
  return holder[globalKey]
}
