import type { FunctionDefinition, HttpTrigger } from '../definitions.js'
import type { PlainResult } from './result.js'
import { matchRoute, routeSpecificity } from './route.js'

export type RouteOutcome =
  | {
      readonly status: 'matched'
      readonly fn: FunctionDefinition<HttpTrigger>
      readonly params: Record<string, string>
    }
  | { readonly status: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly status: 'not-found' }

/**
 * Routes requests to HTTP functions as the clouds do: the most specific matching route wins
 * (literal segments before parameters before a catch-all), an unserved method on a known path is
 * 405 with `Allow`, anything else 404. HEAD is served by GET when no function claims HEAD.
 *
 * @example
 * const route = createRouter(registry.functions.values())
 * route('GET', '/items/42') // { status: 'matched', fn, params: { id: '42' } }
 */
export function createRouter(functions: Iterable<FunctionDefinition>) {
  const http = [...functions]
    .filter(isHttp)
    .map((fn) => ({ fn, rank: routeSpecificity(fn.trigger.route) }))
    .sort((a, b) => compareRanks(b.rank, a.rank))
    .map(({ fn }) => fn)

  return (method: string, path: string): RouteOutcome => {
    for (const fn of http) {
      const params = matchRoute(fn.trigger.route, path)
      if (params && servesMethod(fn.trigger.methods, method)) return { status: 'matched', fn, params }
    }
    const allowed = allowedMethods(http, path)
    return allowed.length > 0 ? { status: 'method-not-allowed', allowed } : { status: 'not-found' }
  }
}

/** Whether a function taking these methods serves a request's method: HEAD is served by GET. */
export function servesMethod(methods: readonly string[], method: string): boolean {
  return methods.includes(method) || (method === 'HEAD' && methods.includes('GET'))
}

/** Every method some HTTP function takes on a path: the `Allow` of a 405, or none for a 404. */
export function allowedMethods(functions: Iterable<FunctionDefinition>, path: string): string[] {
  const allowed = new Set<string>()
  for (const fn of functions)
    if (isHttp(fn) && matchRoute(fn.trigger.route, path))
      for (const method of fn.trigger.methods) allowed.add(method)
  return [...allowed]
}

const isHttp = (fn: FunctionDefinition): fn is FunctionDefinition<HttpTrigger> => fn.trigger.type === 'http'

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0)
    if (difference !== 0) return difference
  }
  return 0
}

/** The answer for a path no function serves: the same on every cloud. */
export function notFoundResult(): PlainResult {
  return { status: 404, headers: { 'content-type': 'application/json' }, body: '{"error":"Not Found"}' }
}

/** The answer for a method a path's functions do not take, with `Allow`: the same on every cloud. */
export function methodNotAllowedResult(allowed: readonly string[]): PlainResult {
  return {
    status: 405,
    headers: { 'content-type': 'application/json', allow: allowed.join(', ') },
    body: '{"error":"Method Not Allowed"}',
  }
}

/** The answer when routing found no function for a request: 404, or 405 with the methods the path takes. */
export function unroutedResult(outcome: Exclude<RouteOutcome, { status: 'matched' }>): PlainResult {
  return outcome.status === 'not-found' ? notFoundResult() : methodNotAllowedResult(outcome.allowed)
}
