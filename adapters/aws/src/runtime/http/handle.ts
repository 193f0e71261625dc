import type { HttpTrigger } from '@xfn/core'
import {
  allowedMethods,
  apiKeyHashSetting,
  apiKeyHeader,
  apiKeyMatches,
  type Context,
  callHttpHandler,
  type FunctionDefinition,
  isResponse,
  LazyRequest,
  matchRoute,
  methodNotAllowedResult,
  notFoundResult,
  type Registry,
  servesMethod,
  unauthorizedResult,
} from '@xfn/core'
import type { HttpEventView } from './request.js'
import { type NativeHttpResult, plainToNative, responseToNative } from './response.js'

/**
 * One HTTP invocation: the event's view in, the handler called, the native result out. The
 * deployed API sends a path's other methods (`ANY` routes) and unknown paths (`$default`) here
 * too, and a Function URL sends everything: those get the 405 and 404 of every cloud.
 */
export function handleHttp(
  fn: FunctionDefinition<HttpTrigger>,
  view: HttpEventView,
  context: Context,
  registry: Registry,
): Promise<NativeHttpResult> {
  const params = matchRoute(fn.trigger.route, view.path)
  if (params === undefined) return Promise.resolve(plainToNative(notFoundResult(), view.format))
  if (!servesMethod(fn.trigger.methods, view.method)) {
    const allowed = allowedMethods(registry.functions.values(), view.path)
    return Promise.resolve(plainToNative(methodNotAllowedResult(allowed), view.format))
  }
  // API Gateway REST checks keys itself; where the deployment sets the key's hash (Function URLs,
  // HTTP APIs), the shim checks it, with the same header and answer as on the other clouds.
  const keyHash = fn.trigger.auth === 'key' ? process.env[apiKeyHashSetting] : undefined
  if (keyHash && !apiKeyMatches(view.headers().get(apiKeyHeader), keyHash)) {
    return Promise.resolve(plainToNative(unauthorizedResult(), view.format))
  }
  view.params = params
  const request = new LazyRequest(view)
  // Lambda needs a promise from an async handler, even when the answer is ready now.
  return Promise.resolve(
    callHttpHandler(fn, request, context, (result) =>
      isResponse(result) ? responseToNative(result, view.format) : plainToNative(result, view.format),
    ),
  )
}
