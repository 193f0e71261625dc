import { AsyncLocalStorage } from 'node:async_hooks'
import type { CallerLookup } from './grants.js'

/**
 * Tracks which function is running, across awaits, for runtimes that run several functions in
 * one process at once (the Azure worker, the test harness). It feeds the resource guard.
 *
 * @example
 * const scope = functionScope()
 * registry.resources.guard = grantGuard(registry.functions, scope.caller)
 * await scope.run('createOrder', () => handler(request, context))
 */
export function functionScope(): { run<T>(functionName: string, body: () => T): T; caller: CallerLookup } {
  const storage = new AsyncLocalStorage<string>()
  return {
    run: (functionName, body) => storage.run(functionName, body),
    caller: () => storage.getStore(),
  }
}
