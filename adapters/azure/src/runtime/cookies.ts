import type { Cookie } from '@azure/functions'

const sameSiteValues = new Map<string, Cookie['sameSite']>([
  ['strict', 'Strict'],
  ['lax', 'Lax'],
  ['none', 'None'],
])

/**
 * One Set-Cookie header as the cookie object the Functions host writes back, parsed as RFC 6265
 * section 5.2 says: the name and value before the first `;`, then attributes named without regard
 * to case, the last of each winning. The value is kept as sent (not URL-decoded), and an attribute
 * the host has no field for (`Partitioned`, `Priority`) is dropped, as the host would drop it.
 *
 * Written here rather than taken from a library: the whole parse is these lines, and the Azure
 * bundle's size budget is a few kilobytes (a general-purpose parser alone took 2.9 KB of it).
 */
export function parseSetCookie(header: string): Cookie {
  const [pair = '', ...attributes] = header.split(';')
  const equals = pair.indexOf('=')
  const cookie: Cookie = {
    name: equals < 0 ? '' : pair.slice(0, equals).trim(),
    value: pair.slice(equals + 1).trim(),
  }
  for (const attribute of attributes) {
    const at = attribute.indexOf('=')
    const key = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase()
    const value = at < 0 ? '' : attribute.slice(at + 1).trim()
    if (key === 'expires') {
      const expires = new Date(value)
      if (!Number.isNaN(expires.getTime())) cookie.expires = expires
    } else if (key === 'max-age') {
      if (/^-?\d+$/.test(value)) cookie.maxAge = Number(value)
    } else if (key === 'domain' || key === 'path') {
      if (value) cookie[key] = value
    } else if (key === 'secure') cookie.secure = true
    else if (key === 'httponly') cookie.httpOnly = true
    else if (key === 'samesite') {
      const sameSite = sameSiteValues.get(value.toLowerCase())
      if (sameSite) cookie.sameSite = sameSite
    }
  }
  return cookie
}
