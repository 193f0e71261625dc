import { appOf, defaultRegistry } from './app.js'
import {
  type Bucket,
  bucketHandle,
  type Queue,
  type QueueOptions,
  queueHandle,
  type Topic,
  topicHandle,
} from './resources.js'
import { type Secret, secretHandle } from './secrets.js'

// The default app is made from separate parts, not createApp(), so a bundle that never calls
// queue() or bucket() carries none of their code.
const registry = defaultRegistry()

/**
 * The app of this process: register functions on it at the top level of your entry module.
 *
 * @example
 * import { app } from '@xfn/core'
 * app.http('hello', { route: '/hello' }, () => ({ json: { hello: 'world' } }))
 */
export const app = appOf(registry)

/**
 * Declares a queue (or returns the one already declared under that name). A dead-letter queue is
 * made for it on every cloud.
 *
 * @example
 * const orders = queue('orders', { maxAttempts: 5 })
 * await orders.send({ id: 1 })
 */
export const queue = (name: string, options?: QueueOptions): Queue =>
  queueHandle(registry.resources, name, options)

/**
 * Declares a bucket of objects (or returns the one already declared under that name).
 *
 * @example
 * const receipts = bucket('receipts')
 * await receipts.put('r/1.json', JSON.stringify({ total: 3 }), { contentType: 'application/json' })
 */
export const bucket = (name: string): Bucket => bucketHandle(registry.resources, name)

/**
 * Declares a topic (or returns the one already declared under that name): publish once, and
 * every `app.topic` subscription gets its own copy.
 *
 * @example
 * const orderPlaced = topic('order-placed')
 * await orderPlaced.publish({ id: 7 }, { attributes: { region: 'eu' } })
 */
export const topic = (name: string): Topic => topicHandle(registry.resources, name)

/**
 * Declares a secret (or returns the one already declared under that name): list it in a
 * function's `uses`, read it with `await stripeKey.value()`, set it with `xfn secret set`.
 *
 * @example
 * const stripeKey = secret('stripe-key')
 */
export const secret = (name: string): Secret => secretHandle(registry.resources, name)

export type {
  App,
  BlobOptions,
  FunctionOptions,
  HttpOptions,
  QueueTriggerOptions,
  TimerOptions,
  TopicTriggerOptions,
} from './app.js'
export { createApp, defaultRegistry, Registry } from './app.js'
export {
  type Change,
  type ChangeAction,
  describeChange,
  type ProgressEvent,
  type RunChangesOptions,
  realSleep,
  retrying,
  runChanges,
  type Sleep,
} from './changes.js'
export type { Context, ContextInit, Logger, LogLevel, LogRecord, LogSink } from './context.js'
export { createContext, logLevels } from './context.js'
export type {
  BlobEvent,
  BlobEventType,
  BlobHandler,
  BlobTrigger,
  FunctionDefinition,
  FunctionSettings,
  HttpHandler,
  HttpTrigger,
  QueueHandler,
  QueueMessage,
  QueueTrigger,
  TimerHandler,
  TimerTick,
  TimerTrigger,
  TopicHandler,
  TopicMessage,
  TopicTrigger,
  Trigger,
  TriggerType,
} from './definitions.js'
export {
  type Cloud,
  CommandHint,
  clouds,
  type ErrorClass,
  type ErrorCode,
  errorClassOf,
  errorCodes,
  type Platform,
  PortabilityError,
  XfnError,
  xfnCommand,
} from './errors.js'
export {
  type Access,
  accessKinds,
  type CallerLookup,
  type Grant,
  grantsOf,
  guardProvider,
  type ResourceGrant,
  type Usable,
} from './grants.js'
export { reportChangesByHand } from './history.js'
export {
  apiKeyHashSetting,
  apiKeyHeader,
  apiKeyMatches,
  hashApiKey,
  unauthorizedResult,
} from './http/api-key.js'
export { type BodySource, LazyRequest, type RequestParts } from './http/lazy-request.js'
export { headerOf, readRequestBody, requestHeaders, writePlain, writeResponse } from './http/node-server.js'
export {
  internalErrorResult,
  isResponse,
  normalizeResult,
  type PlainResult,
  toResponse,
  unavailableResult,
} from './http/result.js'
export { matchRoute, type ParsedRoute, parseRoute } from './http/route.js'
export {
  allowedMethods,
  createRouter,
  methodNotAllowedResult,
  notFoundResult,
  type RouteOutcome,
  servesMethod,
  unroutedResult,
} from './http/router.js'
export {
  type HttpAuth,
  type HttpMethod,
  type HttpRequest,
  type HttpResult,
  httpMethods,
} from './http/types.js'
export {
  callHttpHandler,
  invokeHttp,
  pastDueAfterMs,
  textMessage,
  timerTick,
  topicMessage,
} from './invoke.js'
export {
  type Manifest,
  type ManifestFunction,
  type ManifestTrigger,
  manifestVersion,
  toManifest,
} from './manifest.js'
export {
  awsNames,
  azureNames,
  localNames,
  type NameTarget,
  ownedBy,
  ownerTags,
  validateName,
} from './names.js'
export { type FunctionMetrics, type LogEvent, type LogQuery, matchesLogQuery, pause } from './observe.js'
export {
  checkRollback,
  defaultReleasesKept,
  pickRelease,
  type ReleaseShape,
  releaseShape,
  releasesKept,
  settingsDigest,
  shapeDifferences,
  targetRelease,
} from './releases.js'
export type {
  Bucket,
  BucketSpec,
  ObjectInfo,
  Queue,
  QueueOptions,
  QueueSpec,
  ResourceProvider,
  StoredObject,
  Topic,
} from './resources.js'
export { checkMessageSize, encodeMessage, publisherOf, queueMessageLimits } from './resources.js'
export {
  type CronFields,
  nextFireTimes,
  parseSchedule,
  previousFireTime,
  type Schedule,
  type ScheduleInput,
  toAwsSchedule,
  toAzureSchedule,
} from './schedule/index.js'
export { functionScope } from './scope.js'
export { type Secret, type SecretSpec, secretRefreshMs, secretsWithoutValue } from './secrets.js'
export {
  checkSettings,
  checkStageSettings,
  environmentBytes,
  environmentLimitBytes,
  settingsOf,
} from './settings.js'
export type {
  Target,
  TargetBuild,
  TargetBuildOutput,
  TargetChangeRecord,
  TargetCommand,
  TargetConfigSetting,
  TargetFinding,
  TargetHost,
  TargetInvocation,
  TargetPackage,
  TargetProject,
  TargetRelease,
  TargetReleases,
  TargetSecrets,
  TargetSetting,
  TargetSettings,
} from './target.js'
export {
  checkPublished,
  matchesFilter,
  type PublishedMessage,
  type PublishOptions,
  type TopicFilter,
  type TopicSpec,
  topicAttributeLimit,
  topicMessageLimit,
} from './topics.js'
