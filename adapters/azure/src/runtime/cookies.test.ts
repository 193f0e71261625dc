import type { Cookie } from '@azure/functions'
import { parseSetCookie as libraryParse } from 'set-cookie-parser'
import { describe, expect, it } from 'vitest'
import { parseSetCookie } from './cookies.js'

/** The same header read by set-cookie-parser, kept to the fields the host writes. */
function byLibrary(header: string): Cookie {
  const [parsed] = libraryParse(header, { decodeValues: false, silent: true })
  if (!parsed) throw new Error(`set-cookie-parser read nothing from ${header}`)
  const sameSite = { strict: 'Strict', lax: 'Lax', none: 'None' }[parsed.sameSite?.toLowerCase() ?? '']
  return {
    name: parsed.name,
    value: parsed.value,
    ...(parsed.domain ? { domain: parsed.domain } : {}),
    ...(parsed.path ? { path: parsed.path } : {}),
    ...(parsed.expires ? { expires: parsed.expires } : {}),
    ...(parsed.maxAge !== undefined ? { maxAge: parsed.maxAge } : {}),
    ...(parsed.secure ? { secure: true } : {}),
    ...(parsed.httpOnly ? { httpOnly: true } : {}),
    ...(sameSite ? { sameSite: sameSite as Cookie['sameSite'] } : {}),
  }
}

const headers = [
  'session=abc123',
  'session=abc123; Path=/; HttpOnly',
  'id=a3fWa; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure; HttpOnly',
  'theme=dark; Max-Age=3600; Domain=example.com; SameSite=lax',
  'token=eyJhbGciOi==.x=y; path=/api; samesite=STRICT; secure',
  'gone=; Max-Age=0; Path=/',
  'back=1; Max-Age=-1',
  'quoted="a b c"; Path=/docs',
  'enc=a%20b%3Bc; Path=/',
  '  spaced  =  value  ;  Path = /x ;  HTTPONLY  ',
  'twice=1; Path=/a; Path=/b; Max-Age=10; Max-Age=20',
  'bad=1; Expires=not a date; Max-Age=ten',
  'odd=1; SameSite=Sometimes; Partitioned; Priority=High',
  'empty=1; Domain=; Path=',
  'noname',
  '=novalue-name',
  '__Host-id=1; Secure; Path=/; SameSite=None',
]

describe('parseSetCookie', () => {
  it.each(headers)('reads %j as set-cookie-parser does', (header) => {
    expect(parseSetCookie(header)).toEqual(byLibrary(header))
  })

  it('lets the last of a repeated attribute win, and ignores attributes the host has no field for', () => {
    expect(parseSetCookie('a=1; Path=/a; Path=/b; Partitioned; Priority=High; __proto__=x')).toEqual({
      name: 'a',
      value: '1',
      path: '/b',
    })
  })

  it('keeps a SameSite it does not know out of the cookie', () => {
    expect(parseSetCookie('a=1; SameSite=__proto__')).toEqual({ name: 'a', value: '1' })
  })
})
