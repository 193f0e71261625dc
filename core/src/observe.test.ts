import { EventEmitter } from 'node:events'
import { expect, it } from 'vitest'
import { logEvent as event } from './__fixtures__/log-event.js'
import { matchesLogQuery, pause } from './observe.js'

it('filters by function, level, invocation, time and text', () => {
  const e = { ...event('aws', '2026-01-01T00:00:05Z', 'order 42 failed'), level: 'error' as const }
  expect(matchesLogQuery(e, { functions: [] })).toBe(true)
  expect(matchesLogQuery(e, { functions: ['other'] })).toBe(false)
  expect(matchesLogQuery(e, { functions: [], minLevel: 'warn' })).toBe(true)
  expect(matchesLogQuery({ ...e, level: 'info' }, { functions: [], minLevel: 'warn' })).toBe(false)
  expect(matchesLogQuery(e, { functions: [], grep: /order \d+/ })).toBe(true)
  expect(matchesLogQuery(e, { functions: [], grep: 'shipped' })).toBe(false)
  expect(matchesLogQuery(e, { functions: [], invocationId: 'x' })).toBe(false)
  // The 8-character start that xfn logs prints finds the invocation.
  expect(matchesLogQuery({ ...e, invocationId: '1f2e3d4c-aaaa' }, { invocationId: '1f2e3d4c' })).toBe(true)
  expect(matchesLogQuery(e, { functions: [], since: new Date('2026-01-01T00:00:06Z') })).toBe(false)
})

it('pauses until the time is up or the signal aborts, leaving no listener on the signal', async () => {
  const follow = new AbortController()
  for (let i = 0; i < 20; i++) await pause(1, follow.signal)
  expect(EventEmitter.getEventListeners(follow.signal, 'abort')).toHaveLength(0)
  // An hour's pause ends as soon as the signal aborts.
  const waiting = pause(3_600_000, follow.signal)
  follow.abort()
  await waiting
  expect(EventEmitter.getEventListeners(follow.signal, 'abort')).toHaveLength(0)
})
