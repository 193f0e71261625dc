import { isDeepStrictEqual } from 'node:util'
import type { Observed } from './drivers/driver.js'
import type { Expected } from './scenarios.js'

/** Every way an observed outcome differs from the expected one; empty when it conforms. */
export function differences(expected: Expected, observed: Observed): string[] {
  const out: string[] = []
  const body = Buffer.from(observed.body ?? new Uint8Array())
  const differ = (what: string, want: unknown, got: unknown) => {
    if (!isDeepStrictEqual(want, got))
      out.push(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`)
  }
  if (expected.status !== undefined) differ('status', expected.status, observed.status)
  if (expected.json !== undefined) {
    let parsed: unknown
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch {
      parsed = `(not JSON) ${body.toString('utf8').slice(0, 200)}`
    }
    differ('json body', expected.json, parsed)
  }
  if (expected.text !== undefined) differ('text body', expected.text, body.toString('utf8'))
  if (expected.bodyHex !== undefined) differ('body bytes', expected.bodyHex, body.toString('hex'))
  for (const [name, value] of Object.entries(expected.headers ?? {}))
    differ(`header ${name}`, value, observed.headers?.[name])
  if (expected.cookies !== undefined)
    differ('cookies', [...expected.cookies].sort(), [...(observed.cookies ?? [])].sort())
  if (expected.bodyExcludes !== undefined && body.toString('utf8').includes(expected.bodyExcludes))
    out.push(`body: must not contain '${expected.bodyExcludes}', got ${body.toString('utf8').slice(0, 200)}`)
  if (expected.results !== undefined) differ('results', expected.results, observed.results)
  if (expected.deadLettered !== undefined)
    differ('dead-lettered', [...expected.deadLettered].sort(), [...observed.deadLettered].sort())
  if (expected.logs !== undefined) {
    const got = observed.logs.map((l) => ({
      level: l.level,
      message: l.message,
      ...(l.fields === undefined ? {} : { fields: l.fields }),
    }))
    if (got.length !== expected.logs.length) differ('logs', expected.logs, got)
    else
      expected.logs.forEach((want, i) => {
        const have = got[i]
        if (
          !have ||
          have.level !== want.level ||
          have.message !== want.message ||
          !contains(have.fields, want.fields)
        )
          differ(`log ${i + 1}`, want, have)
      })
  }
  return out
}

/** Whether `actual` holds every field of `expected` (extra fields allowed, such as a stack). */
function contains(actual: unknown, expected: unknown): boolean {
  if (expected === undefined) return true
  if (typeof expected !== 'object' || expected === null) return isDeepStrictEqual(actual, expected)
  if (typeof actual !== 'object' || actual === null) return false
  return Object.entries(expected).every(([key, value]) =>
    contains((actual as Record<string, unknown>)[key], value),
  )
}
