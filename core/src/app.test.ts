import { describe, expect, it } from 'vitest'
import { registerEveryKind } from './__fixtures__/every-kind.js'
import { createApp } from './app.js'
import { XfnError } from './errors.js'
import { toManifest } from './manifest.js'

const noop = () => undefined

describe('the manifest', () => {
  it('describes one function of each kind, sorted, as plain JSON', () => {
    const made = createApp()
    registerEveryKind(made)
    const manifest = toManifest(made.registry, { app: 'orders' })
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest)
    expect(manifest).toMatchSnapshot()
  })

  it('is the same whatever the order of registration', () => {
    const first = createApp()
    first.app.timer('b', { every: '5 minutes' }, noop)
    first.app.timer('a', { every: '1 hour' }, noop)
    const second = createApp()
    second.app.timer('a', { every: '1 hour' }, noop)
    second.app.timer('b', { every: '5 minutes' }, noop)
    expect(JSON.stringify(toManifest(first.registry, { app: 'x1' }))).toBe(
      JSON.stringify(toManifest(second.registry, { app: 'x1' })),
    )
  })
})

type Case = [
  title: string,
  register: (made: ReturnType<typeof createApp>) => void,
  code: string,
  message: RegExp,
]

const badInput: Case[] = [
  [
    'a duplicate name',
    ({ app }) => {
      app.http('hello', { route: '/a' }, noop)
      app.timer('hello', { every: '1 hour' }, noop)
    },
    'DUPLICATE_NAME',
    /function 'hello' is defined twice/,
  ],
  [
    'names that differ only in case',
    ({ app }) => {
      app.http('Hello', { route: '/a' }, noop)
      app.http('hello', { route: '/b' }, noop)
    },
    'DUPLICATE_NAME',
    /as 'Hello'; Azure function names ignore case/,
  ],
  [
    'a route conflict',
    ({ app }) => {
      app.http('getItem', { route: '/items/{id}' }, noop)
      app.http('readItem', { route: '/items/{key}', method: ['GET', 'PUT'] }, noop)
    },
    'ROUTE_CONFLICT',
    /'readItem' claims GET \/items\/\{key\}, which function 'getItem' already serves as \/items\/\{id\}/,
  ],
  [
    'a route without a leading slash',
    ({ app }) => app.http('a', { route: 'items' }, noop),
    'INVALID_ROUTE',
    /must start with '\/': write "\/items"/,
  ],
  [
    'a parameter inside a segment',
    ({ app }) => app.http('a', { route: '/items/x{id}' }, noop),
    'INVALID_ROUTE',
    /mixes text and a parameter/,
  ],
  [
    'a catch-all before the end',
    ({ app }) => app.http('a', { route: '/{*rest}/x' }, noop),
    'INVALID_ROUTE',
    /catch-all \{\*rest\} before the last segment/,
  ],
  [
    'a repeated parameter',
    ({ app }) => app.http('a', { route: '/{id}/{id}' }, noop),
    'INVALID_ROUTE',
    /parameter name 'id' twice/,
  ],
  [
    'an unknown option key',
    ({ app }) => app.http('a', { rout: '/a' } as never, noop),
    'INVALID_OPTIONS',
    /unknown option 'rout'. Did you mean 'route'\?/,
  ],
  [
    'a missing route',
    ({ app }) => app.http('a', {} as never, noop),
    'INVALID_OPTIONS',
    /option 'route' is required/,
  ],
  [
    'an unknown method',
    ({ app }) => app.http('a', { route: '/a', method: 'FETCH' as never }, noop),
    'INVALID_OPTIONS',
    /option 'method' must be one of 'GET'/,
  ],
  [
    'an unknown auth mode',
    ({ app }) => app.http('a', { route: '/a', auth: 'iam' as never }, noop),
    'INVALID_OPTIONS',
    /option 'auth' must be one of 'public', 'key'/,
  ],
  [
    'a batch size over 10',
    ({ app, queue }) => app.queue('a', { queue: queue('jobs'), batchSize: 50 }, noop),
    'INVALID_OPTIONS',
    /batchSize' must be a whole number from 1 to 10, got 50/,
  ],
  [
    'a timeout over 900 s',
    ({ app }) => app.timer('a', { every: '1 hour', timeoutSeconds: 901 }, noop),
    'INVALID_OPTIONS',
    /timeoutSeconds' must be a whole number from 1 to 900/,
  ],
  [
    'an invalid cron',
    ({ app }) => app.timer('a', { schedule: '61 * * * *' }, noop),
    'INVALID_SCHEDULE',
    /has 61 in the minute field, outside 0-59/,
  ],
  [
    'a cron with 4 fields',
    ({ app }) => app.timer('a', { schedule: '* * * *' }, noop),
    'INVALID_SCHEDULE',
    /has 4 fields/,
  ],
  [
    'a cron that never fires',
    ({ app }) => app.timer('a', { schedule: '0 0 30 2 *' }, noop),
    'INVALID_SCHEDULE',
    /never fires/,
  ],
  [
    'an AWS-only L in a cron',
    ({ app }) => app.timer('a', { schedule: '0 0 L * *' }, noop),
    'INVALID_SCHEDULE',
    /L, W or # .* not portable/,
  ],
  [
    'both schedule and every',
    ({ app }) => app.timer('a', { schedule: '* * * * *', every: '1 minute' }, noop),
    'INVALID_SCHEDULE',
    /exactly one of 'schedule'/,
  ],
  [
    'an every without a unit',
    ({ app }) => app.timer('a', { every: '5' }, noop),
    'INVALID_SCHEDULE',
    /is not an interval/,
  ],
  [
    'an invalid queue name',
    ({ queue }) => queue('Orders_Queue'),
    'INVALID_NAME',
    /'Orders_Queue' is not a valid queue name/,
  ],
  [
    'a queue name with a double hyphen',
    ({ queue }) => queue('my--queue'),
    'INVALID_NAME',
    /not a valid queue name/,
  ],
  [
    'a bucket name too long',
    ({ bucket }) => bucket('a'.repeat(23)),
    'INVALID_NAME',
    /not a valid bucket name. Use 3 to 22/,
  ],
  [
    'an invalid function name',
    ({ app }) => app.http('1st', { route: '/a' }, noop),
    'INVALID_NAME',
    /'1st' is not a valid function name/,
  ],
  [
    'a queue declared twice differently',
    ({ queue }) => {
      queue('jobs', { maxAttempts: 3 })
      queue('jobs', { maxAttempts: 4 })
    },
    'RESOURCE_CONFLICT',
    /declared twice with different maxAttempts/,
  ],
  [
    'a blob prefix with braces',
    ({ app }) => app.blob('a', { bucket: 'files', prefix: '{name}' }, noop),
    'INVALID_OPTIONS',
    /prefix' must not start with '\/' or contain braces/,
  ],
  [
    'a handler that is not a function',
    ({ app }) => app.http('a', { route: '/a' }, 'nope' as never),
    'INVALID_OPTIONS',
    /last argument must be the handler/,
  ],
]

describe('bad input', () => {
  it.each(badInput)('rejects %s', (_title, register, code, message) => {
    const made = createApp()
    let thrown: unknown
    try {
      register(made)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(XfnError)
    expect((thrown as XfnError).code).toBe(code)
    expect((thrown as XfnError).message).toMatch(message)
  })

  it('does not mutate the options it is given', () => {
    const { app } = createApp()
    const options = Object.freeze({ route: '/a', method: Object.freeze(['GET', 'POST'] as const) })
    expect(() => app.http('a', options, noop)).not.toThrow()
  })

  it('accepts the same method on the same route twice only for different methods', () => {
    const { app, registry } = createApp()
    app.http('list', { route: '/items' }, noop)
    app.http('create', { route: '/items', method: 'POST' }, noop)
    app.http('get', { route: '/items/{id}' }, noop)
    app.http('latest', { route: '/items/latest' }, noop)
    expect(registry.functions.size).toBe(4)
  })
})
