import { app as azureApp, type InvocationContext } from '@azure/functions'
import {
  allowedMethods,
  type BlobTrigger,
  createContext,
  defaultRegistry,
  type FunctionDefinition,
  type HttpMethod,
  type HttpTrigger,
  httpMethods,
  methodNotAllowedResult,
  notFoundResult,
  parseSchedule,
  type QueueTrigger,
  type Registry,
  servesMethod,
  type TimerTrigger,
  type TopicTrigger,
  toAzureSchedule,
  XfnError,
} from '@xfn/core'
import { azureBlobFunctions } from './blob-functions.js'
import { azureRoute, checkApiKey, handleHttp, type KeyCheck, toResponseInit } from './http.js'
import { azureLogSink } from './log.js'
import { invocationScope } from './scope.js'
import { handleTopic } from './topics.js'
import { bytesPayload, handleBlob, handleBlobDeleted, handleQueue, handleTimer } from './triggers.js'

export { azureBlobFunctions } from './blob-functions.js'
export { azureRoute, toResponseInit } from './http.js'
export { azureResourceProvider, installAzureResources, keyVaultSetting } from './resources.js'
export { attributeKey, topicEvent, topicEventType, topicsSetting } from './topics.js'

/**
 * The app setting of the storage account that holds the app's queues and blob containers: the
 * Function App's own storage, which xfn's deployer creates for each app and stage.
 */
export const storageConnection = 'AzureWebJobsStorage'

export interface RegisterOptions {
  /** The app; the process-wide one by default, filled by importing the user's entry first. */
  readonly registry?: Registry
  /**
   * How blob triggers learn of new blobs: `EventGrid` (the only source on Flex Consumption, and
   * the default) or `LogsAndContainerScan` (polling, on the other plans).
   */
  readonly blobSource?: 'EventGrid' | 'LogsAndContainerScan'
}

/** Registers the functions of one trigger kind; the build imports only the kinds an app uses. */
export type KindRegistrar = (fn: FunctionDefinition, options: RegisterOptions, scoped: Scoped) => void

export type Scoped = <T>(fn: FunctionDefinition, body: () => T) => T

/**
 * Registers every function of the app with the `@azure/functions` v4 programming model. The
 * generated entry of the Function App imports the user's code, then calls registerAzureKinds()
 * with the registrars of the kinds the app uses, so an HTTP-only app carries no timer or queue
 * code; this one takes every kind.
 *
 * @example
 * import './app.js'
 * registerAzureFunctions()
 */
export function registerAzureFunctions(options: RegisterOptions = {}): void {
  registerAzureKinds(
    {
      http: registerKeyedHttp,
      queue: registerQueue,
      timer: registerTimer,
      blob: registerBlob,
      topic: registerTopic,
    },
    options,
  )
}

/**
 * Registers the app's functions with the registrars given per trigger kind.
 *
 * @example
 * import './app.js'
 * registerAzureKinds({ http: registerHttp })
 */
export function registerAzureKinds(
  kinds: Partial<Record<FunctionDefinition['trigger']['type'], KindRegistrar>>,
  options: RegisterOptions = {},
): void {
  const registry = options.registry ?? defaultRegistry()
  const { queues, buckets, topics, secrets } = registry.resources
  // When the app has resources, each invocation runs in a scope that tells the resource guard
  // which function is calling; an app without them skips the cost.
  const scoped: Scoped =
    queues.size + buckets.size + topics.size + secrets.size > 0
      ? (fn, body) => invocationScope.run(fn.name, body)
      : (_fn, body) => body()
  // Registrars see the resolved registry, so HTTP can look at the app's other routes.
  const resolved = { ...options, registry }
  for (const fn of registry.functions.values()) {
    const register = kinds[fn.trigger.type]
    if (!register)
      throw new XfnError(
        'INTERNAL',
        `function '${fn.name}' is triggered by ${fn.trigger.type}, but the Function App was built without that kind; rebuild it with xfn build --cloud azure.`,
      )
    register(fn, resolved, scoped)
  }
  if (kinds.http) registerUnrouted(registry)
}

/** The name of the catch-all function that answers requests no route of the app takes. */
export const unroutedFunction = 'xfnUnrouted'

/**
 * The Functions host answers a path or method no function takes with its own empty 404. A
 * catch-all route, which the host tries last, lets the app answer as on every cloud instead:
 * 405 with Allow for a method its path does not take, a JSON 404 otherwise.
 */
function registerUnrouted(registry: Registry): void {
  const http = [...registry.functions.values()].filter((fn) => fn.trigger.type === 'http')
  if (http.length === 0) return
  azureApp.http(unroutedFunction, {
    methods: [...httpMethods],
    route: '{*xfnUnroutedPath}',
    authLevel: 'anonymous',
    handler: (request) => {
      const allowed = allowedMethods(http, new URL(request.url).pathname)
      // A method some function takes reaches here only if the host's routing differs from xfn's.
      return toResponseInit(
        allowed.length > 0 && !servesMethod(allowed, request.method)
          ? methodNotAllowedResult(allowed)
          : notFoundResult(),
      )
    },
  })
}

/** The context an invocation's handler gets, with the function's deadline and the invocation's logger. */
function contextFor(fn: FunctionDefinition, invocation: InvocationContext) {
  const deadline = Date.now() + fn.settings.timeoutSeconds * 1000
  return createContext({
    invocationId: invocation.invocationId,
    functionName: fn.name,
    cloud: 'azure',
    remainingMs: () => deadline - Date.now(),
    sink: azureLogSink(invocation),
  })
}

/**
 * The registrar of HTTP functions, with the key check for `auth: 'key'` functions when given:
 * the build passes it only to apps that have such functions, so other apps bundle none of it.
 */
function httpRegistrar(checkKey: KeyCheck | undefined): KindRegistrar {
  return (fn, options, scoped) => {
    const http = fn as FunctionDefinition<HttpTrigger>
    const keyed = http.trigger.auth === 'key'
    if (keyed && !checkKey)
      throw new XfnError(
        'INTERNAL',
        `function '${fn.name}' takes a key, but the Function App was built without key checks; rebuild it with xfn build --cloud azure.`,
      )
    azureApp.http(fn.name, {
      methods: withHead(http, options.registry?.functions.values() ?? []),
      route: azureRoute(http.trigger.route.template),
      // Keys are checked by xfn against x-api-key, the same header on every cloud.
      authLevel: 'anonymous',
      handler: (request, invocation) =>
        scoped(fn, () =>
          handleHttp(http, request, invocation, contextFor(fn, invocation), keyed ? checkKey : undefined),
        ),
    })
  }
}

/** Registers HTTP functions of an app where none takes a key. */
export const registerHttp: KindRegistrar = /* @__PURE__ */ httpRegistrar(undefined)

/** Registers HTTP functions of an app where some take a key. */
export const registerKeyedHttp: KindRegistrar = /* @__PURE__ */ httpRegistrar(checkApiKey)

/**
 * The methods the host routes to a function: its own, and HEAD when it takes GET and no function
 * claims HEAD on its route, since the host does not serve HEAD by GET as the other clouds do.
 */
function withHead(
  fn: FunctionDefinition<HttpTrigger>,
  functions: Iterable<FunctionDefinition>,
): HttpMethod[] {
  const { methods, route } = fn.trigger
  if (!methods.includes('GET') || methods.includes('HEAD')) return [...methods]
  for (const other of functions)
    if (
      other.trigger.type === 'http' &&
      other.trigger.route.shape === route.shape &&
      other.trigger.methods.includes('HEAD')
    )
      return [...methods]
  return [...methods, 'HEAD']
}

export const registerQueue: KindRegistrar = (fn, _options, scoped) => {
  const queue = fn as FunctionDefinition<QueueTrigger>
  azureApp.storageQueue(fn.name, {
    queueName: queue.trigger.queue,
    connection: storageConnection,
    ...bytesPayload,
    handler: (item, invocation) =>
      scoped(fn, () => handleQueue(queue, item, invocation, contextFor(fn, invocation))),
  })
}

export const registerTimer: KindRegistrar = (fn, _options, scoped) => {
  const timer = fn as FunctionDefinition<TimerTrigger>
  azureApp.timer(fn.name, {
    schedule: toAzureSchedule(parseSchedule(timer.trigger.schedule, `app.timer('${fn.name}')`), fn.name),
    handler: (tick, invocation) => scoped(fn, () => handleTimer(timer, tick, contextFor(fn, invocation))),
  })
}

export const registerBlob: KindRegistrar = (fn, options, scoped) => {
  const blob = fn as FunctionDefinition<BlobTrigger>
  const { bucket, prefix, suffix, events } = blob.trigger
  const names = azureBlobFunctions(fn.name, events)
  if (names.created)
    azureApp.storageBlob(names.created, {
      path: `${bucket}/${prefix}{name}${suffix}`,
      connection: storageConnection,
      source: options.blobSource ?? 'EventGrid',
      ...bytesPayload,
      handler: (content, invocation) =>
        scoped(fn, () => handleBlob(blob, content, invocation, contextFor(fn, invocation))),
    })
  if (names.deleted)
    azureApp.eventGrid(names.deleted, {
      handler: (event, invocation) =>
        scoped(fn, () => handleBlobDeleted(blob, event, contextFor(fn, invocation))),
    })
}

/** A topic function: its event subscription calls the host's Event Grid webhook for it. */
export const registerTopic: KindRegistrar = (fn, _options, scoped) => {
  const topic = fn as FunctionDefinition<TopicTrigger>
  azureApp.eventGrid(fn.name, {
    handler: (event, invocation) => scoped(fn, () => handleTopic(topic, event, contextFor(fn, invocation))),
  })
}
