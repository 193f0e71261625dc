import { XfnError } from './errors.js'

/** Checks one option value; returns a description of what is wrong, or undefined when it is fine. */
export type OptionCheck = (value: unknown) => string | undefined

/** The options an API accepts: each key with its check, and the keys that must be given. */
export interface OptionSpec {
  readonly checks: Readonly<Record<string, OptionCheck>>
  readonly required?: readonly string[]
}

/**
 * Validates an options object at a public boundary. Unknown keys are errors (they are usually
 * typos), and the message proposes the closest known key.
 *
 * @example
 * validateOptions("app.http('getItem')", options, httpOptionSpec)
 */
export function validateOptions(where: string, options: unknown, spec: OptionSpec): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new XfnError('INVALID_OPTIONS', `${where}: options must be an object, got ${describe(options)}.`)
  }
  const known = Object.keys(spec.checks)
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const guess = closest(key, known)
      const hint = guess ? ` Did you mean '${guess}'?` : ''
      throw new XfnError(
        'INVALID_OPTIONS',
        `${where}: unknown option '${key}'.${hint} Known options: ${known.join(', ')}.`,
      )
    }
  }
  const values = options as Record<string, unknown>
  for (const key of spec.required ?? []) {
    if (values[key] === undefined) {
      throw new XfnError('INVALID_OPTIONS', `${where}: option '${key}' is required.`)
    }
  }
  for (const [key, check] of Object.entries(spec.checks)) {
    if (values[key] === undefined) continue
    const problem = check(values[key])
    if (problem) throw new XfnError('INVALID_OPTIONS', `${where}: option '${key}' ${problem}.`)
  }
}

/** A whole number within [min, max]. */
export const integerBetween =
  (min: number, max: number): OptionCheck =>
  (value) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max
      ? undefined
      : `must be a whole number from ${min} to ${max}, got ${describe(value)}`

/** One of a fixed set of strings. */
export const oneOf =
  (allowed: readonly string[]): OptionCheck =>
  (value) =>
    typeof value === 'string' && allowed.includes(value)
      ? undefined
      : `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`

/** A non-empty list whose items are all from a fixed set, with no repeats. */
export const listOf =
  (allowed: readonly string[]): OptionCheck =>
  (value) => {
    const items = Array.isArray(value) ? value : [value]
    if (items.length === 0) return 'must not be empty'
    const item = oneOf(allowed)
    for (const each of items) {
      const problem = item(each)
      if (problem) return problem
    }
    return new Set(items).size === items.length ? undefined : `lists ${describe(value)} with repeats`
  }

export const isString: OptionCheck = (value) =>
  typeof value === 'string' ? undefined : `must be a string, got ${describe(value)}`

export const isBoolean: OptionCheck = (value) =>
  typeof value === 'boolean' ? undefined : `must be true or false, got ${describe(value)}`

/** A short, readable rendering of any value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'function') return 'a function'
  try {
    const text = JSON.stringify(value)
    return text.length > 60 ? `${text.slice(0, 57)}...` : text
  } catch {
    return String(value)
  }
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution)
    }
    previous = current
  }
  return previous[b.length] ?? 0
}
