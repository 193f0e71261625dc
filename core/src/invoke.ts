import type { Context } from './context.js'
import type { FunctionDefinition, HttpTrigger, TimerTick } from './definitions.js'
import { XfnError } from './errors.js'
import {
  internalErrorResult,
  normalizeResult,
  type PlainResult,
  toResponse,
  unavailableResult,
} from './http/result.js'
import type { HttpRequest } from './http/types.js'

/**
 * Calls an HTTP handler the way every adapter does: a thrown error or a malformed result becomes
 * a 500 with a generic JSON body and no stack trace, and the error is logged with the invocation.
 * The request may be any `Request`-compatible object that carries `params`. `answer` turns the
 * outcome into the adapter's native result. A handler that answers synchronously is answered
 * synchronously: no promise is made on that path, which keeps fast handlers fast.
 */
export function callHttpHandler<Native = Response | PlainResult>(
  fn: FunctionDefinition<HttpTrigger>,
  request: HttpRequest,
  context: Context,
  answer: Answer<Native> = (result) => result as Native,
): Native | Promise<Native> {
  let value: unknown
  try {
    value = fn.handler(request, context)
  } catch (error) {
    return answerFailure(context, answer, error)
  }
  if (typeof (value as { then?: unknown } | null)?.then === 'function')
    return settle(fn, value, context, answer)
  let result: Response | PlainResult
  try {
    result = normalizeResult(value, fn.name)
  } catch (error) {
    return answerFailure(context, answer, error)
  }
  return answer(result)
}

type Answer<Native> = (result: Response | PlainResult) => Native | Promise<Native>

async function settle<Native>(
  fn: FunctionDefinition<HttpTrigger>,
  pending: unknown,
  context: Context,
  answer: Answer<Native>,
): Promise<Native> {
  let result: Response | PlainResult
  try {
    result = normalizeResult(await pending, fn.name)
  } catch (error) {
    return answerFailure(context, answer, error)
  }
  return answer(result)
}

function answerFailure<Native>(
  context: Context,
  answer: Answer<Native>,
  error: unknown,
): Native | Promise<Native> {
  context.log.error('handler failed', { error })
  const unavailable = error instanceof XfnError && error.code === 'UNAVAILABLE'
  return answer((unavailable ? unavailableResult : internalErrorResult)(context.invocationId))
}

/** {@link callHttpHandler} for a real `Request`, answered with a real `Response`. */
export async function invokeHttp(
  fn: FunctionDefinition<HttpTrigger>,
  request: Request,
  params: Record<string, string>,
  context: Context,
): Promise<Response> {
  const withParams = Object.assign(request, { params: Object.freeze({ ...params }) }) as HttpRequest
  return toResponse(await callHttpHandler(fn, withParams, context), fn.name)
}

/** A firing this much later than its scheduled time is past due, on every cloud xfn runs timers for. */
export const pastDueAfterMs = 60_000

/** Builds a timer tick from when it was due and when it fired. */
export function timerTick<Native>(scheduledAt: Date, firedAt: Date, native: Native): TimerTick<Native> {
  return {
    scheduledAt,
    firedAt,
    isPastDue: firedAt.getTime() - scheduledAt.getTime() > pastDueAfterMs,
    native,
  }
}

/** Builds a topic message from its text and attributes, the same way on every cloud. */
export function topicMessage<Native>(init: {
  id: string
  body: string
  attempt: number
  publishedAt: Date
  attributes: Readonly<Record<string, string>>
  topic: string
  native: Native
}) {
  return {
    id: init.id,
    attempt: init.attempt,
    publishedAt: init.publishedAt,
    attributes: init.attributes,
    topic: init.topic,
    native: init.native,
    text: () => init.body,
    json: <T>() => JSON.parse(init.body) as T,
  }
}

/** Builds a queue message from its text, the same way on every cloud. */
export function textMessage<Native>(init: {
  id: string
  body: string
  attempt: number
  enqueuedAt: Date
  native: Native
}) {
  return {
    id: init.id,
    attempt: init.attempt,
    enqueuedAt: init.enqueuedAt,
    native: init.native,
    text: () => init.body,
    json: <T>() => JSON.parse(init.body) as T,
  }
}
