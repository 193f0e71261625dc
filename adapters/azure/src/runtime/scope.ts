import { functionScope } from '@xfn/core'

/**
 * Which function is running in this worker. One worker runs every function of the app at once,
 * so the resource guard learns the caller from the async context each invocation runs in.
 */
export const invocationScope = functionScope()
