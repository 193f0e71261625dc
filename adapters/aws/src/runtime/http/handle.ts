import type { HttpTrigger } from '@xfn/core'
import { type Context, callHttpHandler, type FunctionDefinition, LazyRequest, matchRoute } from '@xfn/core'
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
  const request = new LazyRequest({
    method: view.method,
    url: view.url,
    headers: view.headers,
    body: view.body,
    bodyIsBase64: view.bodyIsBase64,
    params,
  })
  return callHttpHandler(fn, request, context, (result) =>
    result instanceof Response ? responseToNative(result, view.format) : plainToNative(result, view.format),
  )
}
