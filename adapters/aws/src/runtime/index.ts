import {
  type BlobTrigger,
  type Context,
  createContext,
  defaultRegistry,
  type FunctionDefinition,
  type HttpTrigger,
  type QueueTrigger,
  type Registry,
  type TimerTrigger,
  type TopicTrigger,
  type Trigger,
  XfnError,
} from '@xfn/core'
import { running } from './caller.js'
import type { LambdaContext } from './events.js'
import { handleHttp } from './http/handle.js'
import { viewHttpEvent } from './http/request.js'
import { lambdaLogSink } from './log.js'
import { handleS3, isS3Event } from './s3.js'
import { handleSqs, isSqsEvent } from './sqs.js'
import { handleTimer, isTimerEvent } from './timer.js'

export type { LambdaContext } from './events.js'
export {
  type AwsResources,
  awsResourceProvider,
  installAwsResources,
} from './resources.js'
export { decodeS3Key, encodeS3Key, handleS3 } from './s3.js'

export interface LambdaHandlerOptions {
  /** The app; the process-wide one by default, filled by importing the user's entry first. */
  readonly registry?: Registry
  /** Where log lines go; stdout by default, which Lambda sends to CloudWatch. */
  readonly write?: (line: string) => void
}

export type LambdaHandler = (event: unknown, context: LambdaContext) => Promise<unknown>

/** Runs one native event; undefined when the event is not of the shape the trigger receives. */
type Run<T extends Trigger> = (
  fn: FunctionDefinition<T>,
  event: unknown,
  context: Context,
) => Promise<unknown> | undefined

/**
 * The Lambda handler of one HTTP function (API Gateway REST or HTTP API, a Function URL, or ALB).
 * The build exports one handler per function, each the `Handler` of its Lambda function.
 *
 * @example
 * import './app.js'
 * export const createOrder = httpHandler('createOrder')
 */
export function httpHandler(name: string, options: LambdaHandlerOptions = {}): LambdaHandler {
  return bind<HttpTrigger>(name, 'http', options, (fn, event, context) => {
    const view = viewHttpEvent(event)
    return view && handleHttp(fn, view, context, options.registry ?? defaultRegistry())
  })
}

/** The Lambda handler of one queue function, for an SQS event source mapping with ReportBatchItemFailures. */
export function queueHandler(name: string, options: LambdaHandlerOptions = {}): LambdaHandler {
  return bind<QueueTrigger>(name, 'queue', options, (fn, event, context) =>
    isSqsEvent(event) ? handleSqs(fn, event, context) : undefined,
  )
}

/**
 * The Lambda handler of one topic function: SQS batches from its subscription's own queue, which
 * the topic delivers to with raw message delivery, through an event source mapping with
 * ReportBatchItemFailures, as for a queue function.
 */
export function topicHandler(name: string, options: LambdaHandlerOptions = {}): LambdaHandler {
  return bind<TopicTrigger>(name, 'topic', options, (fn, event, context) =>
    isSqsEvent(event) ? handleSqs(fn, event, context) : undefined,
  )
}

/** The Lambda handler of one timer function, for an EventBridge rule or an EventBridge Scheduler schedule. */
export function timerHandler(name: string, options: LambdaHandlerOptions = {}): LambdaHandler {
  return bind<TimerTrigger>(name, 'timer', options, (fn, event, context) =>
    isTimerEvent(event) ? handleTimer(fn, event, context) : undefined,
  )
}

/** The Lambda handler of one blob function, for S3 event notifications. */
export function blobHandler(name: string, options: LambdaHandlerOptions = {}): LambdaHandler {
  return bind<BlobTrigger>(name, 'blob', options, (fn, event, context) =>
    isS3Event(event) ? handleS3(fn, event, context) : undefined,
  )
}

const handlerFor = {
  http: httpHandler,
  queue: queueHandler,
  timer: timerHandler,
  blob: blobHandler,
  topic: topicHandler,
}

/**
 * The Lambda handler of a function of any kind, chosen at the first invocation. Bundles that
 * know the kind use the specific handler, which carries only that kind's code.
 */
export function lambdaHandler(name: string, options: LambdaHandlerOptions = {}): LambdaHandler {
  let handler: LambdaHandler | undefined
  return (event, lambda) => {
    try {
      if (!handler) {
        const { type } = findFunction(options.registry ?? defaultRegistry(), name).trigger
        handler = handlerFor[type](name, options)
      }
    } catch (error) {
      return Promise.reject(error)
    }
    return handler(event, lambda)
  }
}

// Not async: each extra async step costs a measurable share of a fast invocation.
function bind<T extends Trigger>(
  name: string,
  type: T['type'],
  options: LambdaHandlerOptions,
  run: Run<T>,
): LambdaHandler {
  const sink = lambdaLogSink(options.write)
  let fn: FunctionDefinition<T> | undefined
  return (event, lambda) => {
    try {
      fn ??= findFunction(options.registry ?? defaultRegistry(), name, type) as FunctionDefinition<T>
    } catch (error) {
      return Promise.reject(error)
    }
    running.name = name
    const context = createContext({
      invocationId: lambda.awsRequestId,
      functionName: fn.name,
      cloud: 'aws',
      remainingMs: () => lambda.getRemainingTimeInMillis(),
      sink,
    })
    const done = run(fn, event, context)
    if (done) return done
    const error = new XfnError(
      'MALFORMED_EVENT',
      `function '${fn.name}' is triggered by ${type}, but received an event of another shape (keys: ${describeKeys(event)}). Check what invokes this Lambda function.`,
    )
    context.log.error(error.message)
    return Promise.reject(error)
  }
}

function findFunction(registry: Registry, name: string, type?: Trigger['type']): FunctionDefinition {
  const fn = registry.functions.get(name)
  if (!fn) {
    const known = [...registry.functions.keys()].join(', ') || 'none'
    throw new XfnError(
      'UNKNOWN_FUNCTION',
      `the bundle has no function '${name}' (it has: ${known}); rebuild and redeploy the app.`,
    )
  }
  if (type && fn.trigger.type !== type) {
    throw new XfnError(
      'UNKNOWN_FUNCTION',
      `function '${name}' is triggered by ${fn.trigger.type}, not ${type}; rebuild and redeploy the app.`,
    )
  }
  return fn
}

function describeKeys(event: unknown): string {
  if (typeof event !== 'object' || event === null) return typeof event
  return Object.keys(event).slice(0, 8).join(', ') || 'none'
}
