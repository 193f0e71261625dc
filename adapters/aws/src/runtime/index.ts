import { createContext, defaultRegistry, type FunctionDefinition, type Registry, XfnError } from '@xfn/core'
import type { LambdaContext } from './events.js'
import { handleHttp } from './http/handle.js'
import { viewHttpEvent } from './http/request.js'
import { lambdaLogSink } from './log.js'
import { handleS3, isS3Event } from './s3.js'
import { handleSqs, isSqsEvent } from './sqs.js'
import { handleTimer, isTimerEvent } from './timer.js'

export type { LambdaContext } from './events.js'
export { decodeS3Key } from './s3.js'

export interface LambdaHandlerOptions {
  /** The app; the process-wide one by default, filled by importing the user's entry first. */
  readonly registry?: Registry
  /** Where log lines go; stdout by default, which Lambda sends to CloudWatch. */
  readonly write?: (line: string) => void
}

/**
 * The Lambda handler of one function of the app: the build exports one per function, and each
 * is the `Handler` of its Lambda function (`index.<name>`).
 *
 * @example
 * import './app.js'
 * export const createOrder = lambdaHandler('createOrder')
 */
export function lambdaHandler(name: string, options: LambdaHandlerOptions = {}) {
  const sink = lambdaLogSink(options.write)
  let fn: FunctionDefinition | undefined
  return async (event: unknown, lambda: LambdaContext): Promise<unknown> => {
    fn ??= findFunction(options.registry ?? defaultRegistry(), name)
    const context = createContext({
      invocationId: lambda.awsRequestId,
      functionName: fn.name,
      cloud: 'aws',
      remainingMs: () => lambda.getRemainingTimeInMillis(),
      sink,
    })
    const { trigger } = fn
    if (trigger.type === 'http') {
      const view = viewHttpEvent(event)
      if (view) return handleHttp(fn as FunctionDefinition<typeof trigger>, view, context)
    } else if (trigger.type === 'queue') {
      if (isSqsEvent(event)) return handleSqs(fn as FunctionDefinition<typeof trigger>, event, context)
    } else if (trigger.type === 'blob') {
      if (isS3Event(event)) return handleS3(fn as FunctionDefinition<typeof trigger>, event, context)
    } else if (isTimerEvent(event)) {
      return handleTimer(fn as FunctionDefinition<typeof trigger>, event, context)
    }
    const error = new XfnError(
      'MALFORMED_EVENT',
      `function '${fn.name}' is triggered by ${trigger.type}, but received an event of another shape (keys: ${describeKeys(event)}). Check what invokes this Lambda function.`,
    )
    context.log.error(error.message)
    throw error
  }
}

function findFunction(registry: Registry, name: string): FunctionDefinition {
  const fn = registry.functions.get(name)
  if (fn) return fn
  const known = [...registry.functions.keys()].join(', ') || 'none'
  throw new XfnError('UNKNOWN_FUNCTION', `the bundle has no function '${name}' (it has: ${known}); rebuild and redeploy the app.`)
}

function describeKeys(event: unknown): string {
  if (typeof event !== 'object' || event === null) return typeof event
  return Object.keys(event).slice(0, 8).join(', ') || 'none'
}
