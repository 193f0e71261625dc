import type { Context } from './context.js'
import type { FunctionDefinition, HttpTrigger } from './definitions.js'
import { toResponse } from './http/result.js'
import type { HttpRequest } from './http/types.js'

/**
 * Calls an HTTP handler the way every adapter does: a thrown error or a malformed result becomes
 * a 500 with a generic JSON body and no stack trace, and the error is logged with the invocation.
 */
export async function invokeHttp(
  fn: FunctionDefinition<HttpTrigger>,
  request: Request,
  params: Record<string, string>,
  context: Context,
): Promise<Response> {
  const withParams = Object.assign(request, { params: Object.freeze({ ...params }) }) as HttpRequest
  try {
    return toResponse(await fn.handler(withParams, context), fn.name)
  } catch (error) {
    context.log.error('handler failed', { error })
    return Response.json(
      { error: 'Internal Server Error', invocationId: context.invocationId },
      { status: 500 },
    )
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
