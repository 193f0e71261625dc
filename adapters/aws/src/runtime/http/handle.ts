import type { HttpTrigger } from '@xfn/core'
import {
  apiKeyHashSetting,
  apiKeyHeader,
  apiKeyMatches,
  type Context,
  callHttpHandler,
  type FunctionDefinition,
  LazyRequest,
  matchRoute,
  unauthorizedResult,
} from '@xfn/core'
import type { HttpEventView } from './request.js'
import { type NativeHttpResult, plainToNative, responseToNative } from './response.js'

const notFound = JSON.stringify({ error: 'Not Found' })

/** One HTTP invocation: the event's view in, the handler called, the native result out. */
export function handleHttp(
  fn: FunctionDefinition<HttpTrigger>,
  view: HttpEventView,
  context: Context,
): Promise<NativeHttpResult> {
  const params = matchRoute(fn.trigger.route, view.path)
  if (params === undefined) {
    // A Function URL sends every path to the function; only its route is served, as elsewhere.
    return Promise.resolve(
      plainToNative(
        { status: 404, headers: { 'content-type': 'application/json' }, body: notFound },
        view.format,
      ),
    )
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
      result instanceof Response ? responseToNative(result, view.format) : plainToNative(result, view.format),
    ),
  )
}
