import { XfnError } from '../errors.js'

/** One segment of a route: fixed text, a named parameter, or a catch-all that takes the rest. */
export type RouteSegment =
  | { readonly type: 'literal'; readonly value: string }
  | { readonly type: 'param'; readonly name: string }
  | { readonly type: 'rest'; readonly name: string }

export interface ParsedRoute {
  readonly template: string
  readonly segments: readonly RouteSegment[]
  /** The route with parameter names erased: two routes with the same shape match the same paths. */
  readonly shape: string
  /** The route compiled once, so matching a request costs one regular-expression test. */
  readonly pattern: RegExp
  readonly names: readonly string[]
}

const literalSegment = /^[A-Za-z0-9._~!$&'()+,;=:@-]+$/
const parameterName = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Parses a portable route template: `/items/{id}` names a parameter that matches one path segment,
 * `/files/{*path}` a catch-all that matches the rest of the path (zero or more segments).
 *
 * @example
 * parseRoute('/items/{id}').segments // [{type: 'literal', value: 'items'}, {type: 'param', name: 'id'}]
 */
export function parseRoute(template: unknown, where: string): ParsedRoute {
  const fail = (why: string): never => {
    throw new XfnError('INVALID_ROUTE', `${where}: route ${JSON.stringify(template)} ${why}.`)
  }
  if (typeof template !== 'string') return fail('must be a string such as "/items/{id}"')
  if (!template.startsWith('/')) return fail(`must start with '/': write "/${template}"`)
  if (template.length > 1 && template.endsWith('/')) return fail("must not end with '/'")
  if (template.includes('?') || template.includes('#'))
    return fail('must be a path only, without query or fragment')

  const texts = template === '/' ? [] : template.slice(1).split('/')
  const seen = new Set<string>()
  const segments = texts.map((text, index): RouteSegment => {
    if (text === '') return fail("has an empty segment ('//')")
    if (text.startsWith('{')) {
      const match = /^\{(\*?)([^{}]*)\}$/.exec(text)
      if (!match)
        return fail(
          `has a malformed parameter '${text}': a parameter is a whole segment like {id} or {*path}`,
        )
      const [, star, name = ''] = match
      if (!parameterName.test(name)) return fail(`has a parameter name '${name}' that is not an identifier`)
      if (seen.has(name)) return fail(`uses the parameter name '${name}' twice`)
      seen.add(name)
      if (star) {
        if (index !== texts.length - 1) return fail(`has the catch-all {*${name}} before the last segment`)
        return { type: 'rest', name }
      }
      return { type: 'param', name }
    }
    if (text.includes('{') || text.includes('}')) {
      return fail(`mixes text and a parameter in '${text}': a parameter must be a whole segment`)
    }
    if (!literalSegment.test(text)) return fail(`has characters in '${text}' that need percent-encoding`)
    return { type: 'literal', value: text }
  })

  const shape = `/${segments.map((s) => (s.type === 'literal' ? s.value : s.type === 'param' ? '{}' : '{*}')).join('/')}`
  const source = segments
    .map((s) => (s.type === 'literal' ? `/${escapeRegExp(s.value)}` : s.type === 'param' ? '/([^/]+)' : '(?:/(.*))?'))
    .join('')
  const names = segments.flatMap((s) => (s.type === 'literal' ? [] : [s.name]))
  return { template, segments, shape, pattern: new RegExp(`^${source || '/'}$`), names }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Matches a decoded request path against a route. Returns the parameters (decoded), or undefined.
 *
 * @example
 * matchRoute(parseRoute('/files/{*path}', 'x'), '/files/a/b.txt') // { path: 'a/b.txt' }
 */
export function matchRoute(route: ParsedRoute, path: string): Record<string, string> | undefined {
  const match = route.pattern.exec(path === '' ? '/' : path)
  if (!match) return undefined
  const params: Record<string, string> = {}
  const { names } = route
  for (let i = 0; i < names.length; i++) {
    const value = match[i + 1] ?? ''
    params[names[i] as string] = value.includes('%') ? safeDecode(value) : value
  }
  return params
}

/**
 * How specific a route is, for picking between several that match one path: literal segments beat
 * parameters, which beat a catch-all, from left to right — the order API Gateway and Azure use.
 */
export function routeSpecificity(route: ParsedRoute): number[] {
  return route.segments.map((s) => (s.type === 'literal' ? 3 : s.type === 'param' ? 2 : 1))
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}
