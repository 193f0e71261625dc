import type { PlainResult } from './result.js'

/** The header that carries the app's key on every cloud, for functions with `auth: 'key'`. */
export const apiKeyHeader = 'x-api-key'

/** The setting (environment variable, Azure app setting) that holds the SHA-256 of the app's key. */
export const apiKeyHashSetting = 'XFN_API_KEY_SHA256'

/** The SHA-256 of a key, in hex: what a deployment stores instead of the key. */
export function hashApiKey(key: string): string {
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(key).digest('hex')
}

/**
 * Whether a presented key is the app's key, compared in constant time on the hashes, so neither
 * the key nor its length leaks through timing.
 */
export function apiKeyMatches(presented: string | null, expectedSha256Hex: string): boolean {
  if (presented === null) return false
  const expected = Buffer.from(expectedSha256Hex, 'hex')
  // Loaded on first use, not at import: only keyed routes pay for node:crypto.
  const { createHash, timingSafeEqual } = process.getBuiltinModule('node:crypto')
  const actual = createHash('sha256').update(presented).digest()
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/** The answer to a request without the right key: the same on every cloud. */
export function unauthorizedResult(): PlainResult {
  return {
    status: 401,
    headers: { 'content-type': 'application/json', 'www-authenticate': 'ApiKey header="x-api-key"' },
    body: JSON.stringify({ error: 'Unauthorized', hint: `send the app's key in the ${apiKeyHeader} header` }),
  }
}
