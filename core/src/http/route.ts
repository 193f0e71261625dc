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
  // Bundles made by `xfn build` hold routes already checked in record mode (see app.ts).
  if (process.env.XFN_PREVALIDATED !== 'true') checkRoute(template, where)
  const text = template as string
  const segments = (text === '/' ? [] : text.slice(1).split('/')).map((part): RouteSegment => {
    if (!part.startsWith('{')) return { type: 'literal', value: part }
    return part.startsWith('{*')
      ? { type: 'rest', name: part.slice(2, -1) }
      : { type: 'param', name: part.slice(1, -1) }
  })
  const shape = `/${segments.map((s) => (s.type === 'literal' ? s.value : s.type === 'param' ? '{}' : '{*}')).join('/')}`
  const source = segments
    .map((s) =>
      s.type === 'literal' ? `/${escapeRegExp(s.value)}` : s.type === 'param' ? '/([^/]+)' : '(?:/(.*))?',
    )
    .join('')
  const names = segments.flatMap((s) => (s.type === 'literal' ? [] : [s.name]))
  return { template: text, segments, shape, pattern: new RegExp(`^${source || '/'}$`), names }
}

/** Throws a clear error for a route template that is not of the portable form. */
function checkRoute(template: unknown, where: string): void {
  const problem = routeProblem(template)
  if (problem) throw new XfnError('INVALID_ROUTE', `${where}: route ${JSON.stringify(template)} ${problem}.`)
}

function routeProblem(template: unknown): string | undefined {
  if (typeof template !== 'string') return 'must be a string such as "/items/{id}"'
  if (!template.startsWith('/')) return `must start with '/': write "/${template}"`
  if (template.length > 1 && template.endsWith('/')) return "must not end with '/'"
  if (template.includes('?') || template.includes('#'))
    return 'must be a path only, without query or fragment'
  const texts = template === '/' ? [] : template.slice(1).split('/')
  const seen = new Set<string>()
  for (const [index, text] of texts.entries()) {
    if (text === '') return "has an empty segment ('//')"
    if (text.startsWith('{')) {
      const match = /^\{(\*?)([^{}]*)\}$/.exec(text)
      if (!match)
        return `has a malformed parameter '${text}': a parameter is a whole segment like {id} or {*path}`
      const [, star, name = ''] = match
      if (!parameterName.test(name)) return `has a parameter name '${name}' that is not an identifier`
      if (seen.has(name)) return `uses the parameter name '${name}' twice`
      seen.add(name)
      if (star && index !== texts.length - 1) return `has the catch-all {*${name}} before the last segment`
    } else if (text.includes('{') || text.includes('}')) {
      return `mixes text and a parameter in '${text}': a parameter must be a whole segment`
    } else if (!literalSegment.test(text)) {
      return `has characters in '${text}' that need percent-encoding`
    }
  }
  return undefined
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
