import { describe, expect, it } from 'vitest'
import { createApp } from '../app.js'
import { matchRoute, parseRoute } from './route.js'
import { createRouter } from './router.js'

describe('routes', () => {
  it.each([
    ['/items/{id}', '/items/42', { id: '42' }],
    ['/items/{id}', '/items/a%20b', { id: 'a b' }],
    ['/items/{id}', '/items', undefined],
    ['/items/{id}', '/items/42/x', undefined],
    ['/files/{*path}', '/files/a/b/c.txt', { path: 'a/b/c.txt' }],
    ['/files/{*path}', '/files', { path: '' }],
    ['/files/{*path}', '/files/red%20flower.jpg', { path: 'red flower.jpg' }],
    ['/', '/', {}],
    ['/', '/x', undefined],
    ['/a/{b}/c/{d}', '/a/1/c/2', { b: '1', d: '2' }],
  ])('%s matches %s as %o', (template, path, expected) => {
    expect(matchRoute(parseRoute(template, 'test'), path)).toEqual(expected)
  })

  it('gives the same shape to routes that differ only in parameter names', () => {
    expect(parseRoute('/items/{id}', 't').shape).toBe(parseRoute('/items/{key}', 't').shape)
    expect(parseRoute('/files/{*a}', 't').shape).not.toBe(parseRoute('/files/{a}', 't').shape)
  })
})

describe('the router', () => {
  const { app, registry } = createApp()
  const noop = () => undefined
  app.http('getItem', { route: '/items/{id}' }, noop)
  app.http('latest', { route: '/items/latest' }, noop)
  app.http('createItem', { route: '/items', method: 'POST' }, noop)
  app.http('files', { route: '/files/{*path}', method: ['GET', 'PUT'] }, noop)
  const route = createRouter(registry.functions.values())

  it('prefers literal segments over parameters', () => {
    expect(route('GET', '/items/latest')).toMatchObject({ status: 'matched', fn: { name: 'latest' } })
    expect(route('GET', '/items/7')).toMatchObject({
      status: 'matched',
      fn: { name: 'getItem' },
      params: { id: '7' },
    })
  })

  it('answers 405 with the allowed methods for a known path', () => {
    expect(route('DELETE', '/items/7')).toEqual({ status: 'method-not-allowed', allowed: ['GET'] })
    expect(route('GET', '/items')).toEqual({ status: 'method-not-allowed', allowed: ['POST'] })
  })

  it('answers 404 for an unknown path', () => {
    expect(route('GET', '/nothing')).toEqual({ status: 'not-found' })
  })

  it('serves HEAD with GET and takes the rest of the path in a catch-all', () => {
    expect(route('HEAD', '/files/a/b')).toMatchObject({
      status: 'matched',
      fn: { name: 'files' },
      params: { path: 'a/b' },
    })
  })
})

describe('API keys', () => {
  it('match only the key whose hash is stored', async () => {
    const { apiKeyMatches, hashApiKey } = await import('./api-key.js')
    const stored = hashApiKey('s3cret-key')
    expect(apiKeyMatches('s3cret-key', stored)).toBe(true)
    expect(apiKeyMatches('s3cret-kez', stored)).toBe(false)
    expect(apiKeyMatches('', stored)).toBe(false)
    expect(apiKeyMatches(null, stored)).toBe(false)
    expect(apiKeyMatches('s3cret-key', 'not-hex')).toBe(false)
  })
})
