import { createHmac } from 'node:crypto'
import type { Platform } from '@xfn/core'

/** The value of the parity app's secret `signing-key`, which each driver puts in its cloud's store. */
export const conformanceSecret = 'conformance-signing-key-Zoë-✓'

/*
 * The conformance scenarios, as data: an input given to a conformance app, and the outcome every
 * target must show. Drivers (./drivers) turn each input into their target's native form and
 * observe the outcome. A scenario a cloud cannot honour says so with `notPortable`, and
 * `xfn check` must report the same limitation for its app (agreement.test.ts).
 */

export type AppName = 'parity' | 'deletions' | 'topics'

export type Input =
  | {
      readonly kind: 'http'
      readonly method: string
      readonly path: string
      readonly query?: readonly (readonly [string, string])[]
      readonly headers?: readonly (readonly [string, string])[]
      readonly body?: string
      /** A binary body, given as hex. */
      readonly bodyHex?: string
      /** A body of this many bytes ('x' repeated). */
      readonly bodyBytes?: number
      /** Send the app's key in x-api-key; 'wrong' sends another. */
      readonly key?: 'right' | 'wrong'
    }
  /** Messages sent to a queue: `jobs` of the parity app unless another is named. */
  | { readonly kind: 'queue'; readonly bodies: readonly string[]; readonly queue?: string }
  /** One message published to the topics app's topic, through its `publish` HTTP function. */
  | {
      readonly kind: 'publish'
      readonly message: unknown
      readonly attributes?: Readonly<Record<string, string>>
    }
  | { readonly kind: 'timer'; readonly function: string }
  | {
      readonly kind: 'blob'
      readonly type: 'created' | 'deleted'
      readonly key: string
      readonly body: string
    }

export interface Expected {
  readonly status?: number
  readonly json?: unknown
  /** The body as text. */
  readonly text?: string
  readonly bodyHex?: string
  /** Response headers that must be present with these values (names lowercase). */
  readonly headers?: Readonly<Record<string, string>>
  /** Set-Cookie values, normalised: `name=value` then lowercased attributes, sorted. */
  readonly cookies?: readonly string[]
  /** Text the body must not contain. */
  readonly bodyExcludes?: string
  /** Objects the app wrote to its `results` bucket during the scenario (JSON), by key. */
  readonly results?: Readonly<Record<string, unknown>>
  /** Messages that ended in the app's dead-letter queue (`jobs`'s; in the topics app, the `flaky` subscription's). */
  readonly deadLettered?: readonly string[]
  /** What handlers logged during the scenario, in order. */
  readonly logs?: readonly { level: string; message: string; fields?: unknown }[]
}

export interface Scenario {
  readonly id: string
  readonly area: 'http' | 'queue' | 'timer' | 'blob' | 'topic' | 'logging'
  readonly title: string
  readonly app: AppName
  readonly input: Input
  readonly expect: Expected
  /** The clouds that cannot do this, and why; `xfn check` must report each for the scenario's app. */
  readonly notPortable?: readonly { readonly cloud: Platform; readonly reason: string }[]
}

/** Why a target cannot run a scenario, or nothing when it can. */
export function notPortableOn(scenario: Scenario, cloud: string): string | undefined {
  return scenario.notPortable?.find((entry) => entry.cloud === cloud)?.reason
}

const get = (path: string, more: Partial<Extract<Input, { kind: 'http' }>> = {}): Input => ({
  kind: 'http',
  method: 'GET',
  path,
  ...more,
})
const send = (method: string, path: string, more: Partial<Extract<Input, { kind: 'http' }>> = {}): Input => ({
  kind: 'http',
  method,
  path,
  ...more,
})
const echo = (fields: Record<string, unknown>) => ({
  method: 'GET',
  rest: '',
  query: [],
  a: null,
  multi: null,
  contentType: null,
  cookies: {},
  body: '',
  bodyBytes: 0,
  ...fields,
})
const jsonHeaders = { 'content-type': 'application/json' }

const http: Scenario[] = [
  ['item', 'a path parameter', get('/items/42'), { status: 200, json: { id: '42' }, headers: jsonHeaders }],
  [
    'item-space',
    'a parameter with an encoded space',
    get('/items/with%20space'),
    { json: { id: 'with space' } },
  ],
  ['item-unicode', 'a parameter in UTF-8', get('/items/caf%C3%A9'), { json: { id: 'café' } }],
  ['item-plus', 'a plus sign in a path stays a plus', get('/items/a+b'), { json: { id: 'a+b' } }],
  ['literal-first', 'a literal route beats a parameter', get('/items/special'), { json: { literal: true } }],
  ['deeper', 'a longer route with a parameter', get('/items/7/detail'), { json: { detail: '7' } }],
  ['greedy', 'a catch-all takes the rest of the path', get('/echo/a/b/c'), { json: echo({ rest: 'a/b/c' }) }],
  ['greedy-empty', 'a catch-all takes an empty rest', get('/echo'), { json: echo({ rest: '' }) }],
  ['greedy-unicode', 'a catch-all decodes UTF-8', get('/echo/%E2%9C%93/x'), { json: echo({ rest: '✓/x' }) }],
  [
    'post-json',
    'POST with a JSON body',
    send('POST', '/echo/o', { body: '{"sku":"tea","n":2}', headers: [['content-type', 'application/json']] }),
    {
      json: echo({
        method: 'POST',
        rest: 'o',
        body: '{"sku":"tea","n":2}',
        bodyBytes: 19,
        contentType: 'application/json',
      }),
    },
  ],
  [
    'put-text',
    'PUT with a UTF-8 text body',
    send('PUT', '/echo/t', { body: 'Zoë ✓', headers: [['content-type', 'text/plain; charset=utf-8']] }),
    {
      json: echo({
        method: 'PUT',
        rest: 't',
        body: 'Zoë ✓',
        bodyBytes: 8,
        contentType: 'text/plain; charset=utf-8',
      }),
    },
  ],
  ['patch', 'PATCH', send('PATCH', '/echo/p'), { json: echo({ method: 'PATCH', rest: 'p' }) }],
  ['delete', 'DELETE', send('DELETE', '/echo/d'), { json: echo({ method: 'DELETE', rest: 'd' }) }],
  [
    'form',
    'a form body arrives as sent',
    send('POST', '/echo/f', {
      body: 'a=1&b=two+words&c=%C3%A9',
      headers: [['content-type', 'application/x-www-form-urlencoded']],
    }),
    {
      json: echo({
        method: 'POST',
        rest: 'f',
        body: 'a=1&b=two+words&c=%C3%A9',
        bodyBytes: 24,
        contentType: 'application/x-www-form-urlencoded',
      }),
    },
  ],
  [
    'query-repeat',
    'a repeated query key keeps every value in order',
    get('/echo/q', {
      query: [
        ['q', 'a'],
        ['q', 'b'],
      ],
    }),
    {
      json: echo({
        rest: 'q',
        query: [
          ['q', 'a'],
          ['q', 'b'],
        ],
      }),
    },
  ],
  [
    'query-encoded',
    'query values with & = and UTF-8',
    get('/echo/q', { query: [['v', 'a&b=c é']] }),
    { json: echo({ rest: 'q', query: [['v', 'a&b=c é']] }) },
  ],
  [
    'query-empty',
    'a query key without a value',
    get('/echo/q', { query: [['flag', '']] }),
    { json: echo({ rest: 'q', query: [['flag', '']] }) },
  ],
  [
    'header',
    'a request header',
    get('/echo/h', { headers: [['X-A', 'one']] }),
    { json: echo({ rest: 'h', a: 'one' }) },
  ],
  [
    'header-repeat',
    'a repeated request header reads as one comma-joined list',
    get('/echo/h', {
      headers: [
        ['x-multi', 'one'],
        ['x-multi', 'two'],
      ],
    }),
    { json: echo({ rest: 'h', multi: ['one', 'two'] }) },
  ],
  [
    'cookies-in',
    'request cookies',
    get('/echo/c', { headers: [['cookie', 'a=1; b=two']] }),
    { json: echo({ rest: 'c', cookies: { a: '1', b: 'two' } }) },
  ],
  [
    'binary',
    'a binary body in and out, byte for byte',
    send('POST', '/bytes', {
      bodyHex: '00ff10fe7f80',
      headers: [['content-type', 'application/octet-stream']],
    }),
    { status: 200, bodyHex: '807ffe10ff00', headers: { 'content-type': 'application/octet-stream' } },
  ],
  [
    'large',
    'a 1 MiB body',
    send('POST', '/size', { bodyBytes: 1024 * 1024, headers: [['content-type', 'text/plain']] }),
    { json: { bytes: 1024 * 1024 } },
  ],
  ['empty-body', 'an empty POST body', send('POST', '/size'), { json: { bytes: 0 } }],
  [
    'text-out',
    'a UTF-8 text answer',
    get('/text'),
    { status: 200, text: 'héllo wörld ✓', headers: { 'content-type': 'text/plain; charset=utf-8' } },
  ],
  ['no-content', 'no result is 204', send('DELETE', '/empty'), { status: 204, text: '' }],
  [
    'response',
    'a WHATWG Response',
    get('/response'),
    { status: 201, json: { made: 'with Response' }, headers: jsonHeaders },
  ],
  [
    'cookies-out',
    'several Set-Cookie and a repeated header',
    get('/cookies'),
    { status: 200, cookies: ['a=1; path=/', 'b=2; httponly'], headers: { 'x-multi': 'one, two' } },
  ],
  ['status-202', 'a 202', get('/status/202'), { status: 202, json: { status: 202 } }],
  ['status-400', 'a 400 of the handler', get('/status/400'), { status: 400, json: { status: 400 } }],
  ['status-404', "a 404 of the handler's own", get('/status/404'), { status: 404, json: { status: 404 } }],
  ['status-418', 'an unusual status', get('/status/418'), { status: 418, json: { status: 418 } }],
  ['status-503', 'a 503', get('/status/503'), { status: 503, json: { status: 503 } }],
  [
    'throws',
    'a thrown error is a generic 500 that leaks nothing',
    get('/fails'),
    { status: 500, headers: jsonHeaders, bodyExcludes: 'secret' },
  ],
  ['not-found', 'an unknown path', get('/nowhere'), { status: 404, json: { error: 'Not Found' } }],
  [
    'not-found-prefix',
    'a path that only starts like a route',
    get('/items'),
    { status: 404, json: { error: 'Not Found' } },
  ],
  [
    'method-not-allowed',
    'a method the path does not take',
    send('POST', '/text'),
    { status: 405, json: { error: 'Method Not Allowed' }, headers: { allow: 'GET' } },
  ],
  [
    'method-not-allowed-param',
    'a method a parameter route does not take',
    send('DELETE', '/items/1'),
    { status: 405, headers: { allow: 'GET' } },
  ],
  ['head', 'HEAD is served by GET', send('HEAD', '/text'), { status: 200 }],
  ['key-missing', 'a key route without the key', get('/secret'), { status: 401 }],
  ['key-wrong', 'a key route with another key', get('/secret', { key: 'wrong' }), { status: 401 }],
  [
    'key-right',
    'a key route with the key',
    get('/secret', { key: 'right' }),
    { status: 200, json: { secret: 'kept' } },
  ],
  [
    'secret',
    "a function reads a secret it declares, from its cloud's store",
    send('POST', '/signed', { body: 'payload-Zoë' }),
    {
      status: 200,
      json: { signature: createHmac('sha256', conformanceSecret).update('payload-Zoë').digest('hex') },
    },
  ],
  [
    'secret-undeclared',
    'a function that does not declare a secret cannot read it',
    get('/unsigned'),
    { status: 500, bodyExcludes: conformanceSecret },
  ],
  [
    'enqueue',
    'a message sent by an HTTP function reaches the queue function',
    send('POST', '/enqueue', { body: '{"id":"via-http"}' }),
    { status: 202, results: { 'queue/via-http.json': { text: '{"id":"via-http"}', attempt: 1 } } },
  ],
].map(([id, title, input, expect]) => ({
  id: `http-${id as string}`,
  area: 'http' as const,
  title: title as string,
  app: 'parity' as const,
  input: input as Input,
  expect: expect as Expected,
}))

const job = (id: string, more: Record<string, unknown> = {}) => JSON.stringify({ id, ...more })
const large = `large|${'z'.repeat(40 * 1024)}`

const queue: Scenario[] = [
  [
    'json',
    'a JSON message',
    [job('q-json')],
    { results: { 'queue/q-json.json': { text: job('q-json'), attempt: 1 } } },
  ],
  [
    'text',
    'a text message',
    ['q-text|plain words'],
    { results: { 'queue/q-text.json': { text: 'q-text|plain words', attempt: 1 } } },
  ],
  [
    'unicode',
    'a UTF-8 message',
    ['q-utf|café ✓ 日本 🚀'],
    { results: { 'queue/q-utf.json': { text: 'q-utf|café ✓ 日本 🚀', attempt: 1 } } },
  ],
  [
    'json-unicode',
    'JSON with UTF-8',
    [job('q-zoe', { name: 'Zoë' })],
    { results: { 'queue/q-zoe.json': { text: job('q-zoe', { name: 'Zoë' }), attempt: 1 } } },
  ],
  [
    'retry-once',
    'a failure, then success on the second attempt',
    [job('q-retry', { failUntil: 2 })],
    {
      results: { 'queue/q-retry.json': { text: job('q-retry', { failUntil: 2 }), attempt: 2 } },
      deadLettered: [],
    },
  ],
  [
    'retry-last',
    'success on the last attempt allowed',
    [job('q-last', { failUntil: 3 })],
    {
      results: { 'queue/q-last.json': { text: job('q-last', { failUntil: 3 }), attempt: 3 } },
      deadLettered: [],
    },
  ],
  [
    'dead-letter',
    'a message that always fails is dead-lettered after maxAttempts',
    [job('q-poison', { always: true })],
    { results: {}, deadLettered: [job('q-poison', { always: true })] },
  ],
  [
    'partial-batch',
    'one failure in a batch retries only that message',
    [job('q-a'), job('q-b', { always: true }), job('q-c')],
    {
      results: {
        'queue/q-a.json': { text: job('q-a'), attempt: 1 },
        'queue/q-c.json': { text: job('q-c'), attempt: 1 },
      },
      deadLettered: [job('q-b', { always: true })],
    },
  ],
  [
    'large',
    'a 40 KiB message, under the portable 48 KiB',
    [large],
    { results: { 'queue/large.json': { text: large, attempt: 1 } } },
  ],
].map(([id, title, bodies, expect]) => ({
  id: `queue-${id as string}`,
  area: 'queue' as const,
  title: title as string,
  app: 'parity' as const,
  input: { kind: 'queue' as const, bodies: bodies as string[] },
  expect: expect as Expected,
}))

const blobResult = (key: string, size: number) => ({
  [`blob/created/${key}.json`]: { type: 'created', bucket: 'uploads', key, size },
})

const blob: Scenario[] = [
  [
    'created',
    'an object created under the prefix',
    'in/a.txt',
    'hello',
    { results: blobResult('in/a.txt', 5) },
  ],
  ['spaces', 'a key with spaces', 'in/my file.txt', 'abc', { results: blobResult('in/my file.txt', 3) }],
  ['plus', 'a key with a plus sign', 'in/a+b.txt', 'abcd', { results: blobResult('in/a+b.txt', 4) }],
  ['unicode', 'a key in UTF-8', 'in/café ✓.txt', 'é', { results: blobResult('in/café ✓.txt', 2) }],
  ['nested', 'a key in nested folders', 'in/x/y/z.json', '{}', { results: blobResult('in/x/y/z.json', 2) }],
  ['outside', 'an object outside the prefix fires nothing', 'other/a.txt', 'no', { results: {} }],
].map(([id, title, key, body, expect]) => ({
  id: `blob-${id as string}`,
  area: 'blob' as const,
  title: title as string,
  app: 'parity' as const,
  input: { kind: 'blob' as const, type: 'created' as const, key: key as string, body: body as string },
  expect: expect as Expected,
}))

const others: Scenario[] = [
  {
    id: 'blob-deleted',
    area: 'blob',
    title: 'a deleted object',
    app: 'deletions',
    input: { kind: 'blob', type: 'deleted', key: 'in/old.txt', body: 'bye' },
    expect: { results: { 'deleted/in/old.txt.json': { type: 'deleted', key: 'in/old.txt' } } },
  },
  {
    id: 'timer-tick',
    area: 'timer',
    title: 'a tick on time: its scheduled instant, fired at or after it, not past due',
    app: 'parity',
    input: { kind: 'timer', function: 'tick' },
    expect: {
      results: { 'timer/tick.json': { isPastDue: false, onSchedule: true, firedAfterScheduled: true } },
    },
  },
  {
    id: 'logging-levels',
    area: 'logging',
    title: 'every level, with fields',
    app: 'parity',
    input: { kind: 'http', method: 'POST', path: '/log' },
    expect: {
      status: 204,
      logs: [
        { level: 'debug', message: 'debug line', fields: { n: 1 } },
        { level: 'info', message: 'info line', fields: { n: 2, nested: { ok: true } } },
        { level: 'warn', message: 'warn line' },
        { level: 'error', message: 'error line', fields: { code: 'E1' } },
      ],
    },
  },
  {
    id: 'logging-failure',
    area: 'logging',
    title: "a handler's error is logged with its name and message",
    app: 'parity',
    input: { kind: 'http', method: 'GET', path: '/fails' },
    expect: {
      status: 500,
      logs: [
        {
          level: 'error',
          message: 'handler failed',
          fields: { error: { name: 'Error', message: 'a secret that must not leak' } },
        },
      ],
    },
  },
]

/*
 * Topics: every subscription gets its own copy, filtered by attributes, retried and dead-lettered
 * on its own. Each subscription records a message under `<subscription>/<id>` (see the app).
 */
const delivered = (text: string, attributes: Record<string, string> = {}) => ({
  text,
  attributes,
  topic: 'order-placed',
  attempt: 1,
  hasId: true,
  publishedRecently: true,
})
const published = { status: 202, json: { published: true } }
const topic = (
  id: string,
  title: string,
  input: Extract<Input, { kind: 'publish' | 'queue' }>,
  expect: Expected,
): Scenario => ({
  id,
  area: 'topic',
  title,
  app: 'topics',
  input,
  expect: input.kind === 'publish' && expect.status === undefined ? { ...published, ...expect } : expect,
})
const unicodeMessage = { id: 't8', name: 'Zoë ✓ 日本 🍵', quote: '"\\ \n\u0000' }
const longText = (bytes: number) => `${'<'.repeat(8)}${'x'.repeat(bytes - 16)}${'>'.repeat(8)}`
const topics: Scenario[] = [
  topic(
    'topic-fanout',
    'every subscription without a filter gets its copy',
    { kind: 'publish', message: { id: 't1', total: 5 } },
    {
      results: {
        'email/t1': delivered('{"id":"t1","total":5}'),
        'flaky/t1': delivered('{"id":"t1","total":5}'),
      },
    },
  ),
  topic(
    'topic-filter-match',
    'a filtered subscription gets a message whose attribute it lists',
    { kind: 'publish', message: { id: 't2' }, attributes: { region: 'eu' } },
    {
      results: {
        'email/t2': delivered('{"id":"t2"}', { region: 'eu' }),
        'audit/t2': delivered('{"id":"t2"}', { region: 'eu' }),
        'flaky/t2': delivered('{"id":"t2"}', { region: 'eu' }),
      },
    },
  ),
  topic(
    'topic-filter-any-value',
    "a filter's values are alternatives",
    { kind: 'publish', message: { id: 't3' }, attributes: { region: 'us' } },
    {
      results: {
        'email/t3': delivered('{"id":"t3"}', { region: 'us' }),
        'audit/t3': delivered('{"id":"t3"}', { region: 'us' }),
        'flaky/t3': delivered('{"id":"t3"}', { region: 'us' }),
      },
    },
  ),
  topic(
    'topic-filter-miss',
    'a filtered subscription does not get a message with another value',
    { kind: 'publish', message: { id: 't4' }, attributes: { region: 'asia' } },
    {
      results: {
        'email/t4': delivered('{"id":"t4"}', { region: 'asia' }),
        'flaky/t4': delivered('{"id":"t4"}', { region: 'asia' }),
      },
    },
  ),
  topic(
    'topic-filter-absent',
    'a filtered subscription does not get a message without the attribute',
    { kind: 'publish', message: { id: 't5' }, attributes: { tier: 'gold' } },
    {
      results: {
        'email/t5': delivered('{"id":"t5"}', { tier: 'gold' }),
        'flaky/t5': delivered('{"id":"t5"}', { tier: 'gold' }),
      },
    },
  ),
  topic(
    'topic-attributes',
    'attributes arrive as published, names and values byte for byte',
    {
      kind: 'publish',
      message: { id: 't6' },
      attributes: { region: 'eu', 'order-type': 'Zoë ✓', count_2: '0042', empty_ok: ' ' },
    },
    {
      results: Object.fromEntries(
        ['email', 'audit', 'flaky'].map((s) => [
          `${s}/t6`,
          delivered('{"id":"t6"}', { region: 'eu', 'order-type': 'Zoë ✓', count_2: '0042', empty_ok: ' ' }),
        ]),
      ),
    },
  ),
  topic(
    'topic-text',
    'a text message arrives as its text',
    { kind: 'publish', message: 'plain-text-t7' },
    {
      results: {
        'email/plain-text-t7': delivered('plain-text-t7'),
        'flaky/plain-text-t7': delivered('plain-text-t7'),
      },
    },
  ),
  topic(
    'topic-unicode',
    'a JSON message in UTF-8, with quotes and escapes, arrives byte for byte',
    { kind: 'publish', message: unicodeMessage },
    {
      results: {
        'email/t8': delivered(JSON.stringify(unicodeMessage)),
        'flaky/t8': delivered(JSON.stringify(unicodeMessage)),
      },
    },
  ),
  topic(
    'topic-json',
    'nested JSON keeps its order, numbers and nulls',
    { kind: 'publish', message: { id: 't9', items: [{ sku: 'tea', n: 2.5 }], gift: null, paid: true } },
    {
      results: {
        'email/t9': delivered('{"id":"t9","items":[{"sku":"tea","n":2.5}],"gift":null,"paid":true}'),
        'flaky/t9': delivered('{"id":"t9","items":[{"sku":"tea","n":2.5}],"gift":null,"paid":true}'),
      },
    },
  ),
  topic(
    'topic-failing-subscriber',
    'a subscription that fails retries, then dead-letters, and the others are not affected',
    { kind: 'publish', message: { id: 't10' }, attributes: { fail: 'yes' } },
    { results: { 'email/t10': delivered('{"id":"t10"}', { fail: 'yes' }) }, deadLettered: ['{"id":"t10"}'] },
  ),
  topic(
    'topic-failing-filtered',
    'a failing subscription beside a filtered one that gets the message',
    { kind: 'publish', message: { id: 't11' }, attributes: { fail: 'yes', region: 'eu' } },
    {
      results: {
        'email/t11': delivered('{"id":"t11"}', { fail: 'yes', region: 'eu' }),
        'audit/t11': delivered('{"id":"t11"}', { fail: 'yes', region: 'eu' }),
      },
      deadLettered: ['{"id":"t11"}'],
    },
  ),
  topic(
    'topic-largest',
    'a message of the largest portable size, with its attributes, arrives whole',
    // 256 KiB exactly: the text, and one attribute of 1 + 5 bytes.
    { kind: 'publish', message: longText(256 * 1024 - 6), attributes: { a: 'bcdef' } },
    {
      results: Object.fromEntries(
        ['email', 'flaky'].map((s) => [
          `${s}/long-${256 * 1024 - 6}`,
          {
            bytes: 256 * 1024 - 6,
            ends: ['<<<<<<<<', '>>>>>>>>'],
            attributes: { a: 'bcdef' },
            topic: 'order-placed',
            attempt: 1,
            hasId: true,
            publishedRecently: true,
          },
        ]),
      ),
    },
  ),
  topic(
    'topic-too-large',
    'a message over the portable size is refused by publish, and nobody gets it',
    { kind: 'publish', message: longText(256 * 1024 - 5), attributes: { a: 'bcdef' } },
    { status: 500, results: {} },
  ),
  topic(
    'topic-too-many-attributes',
    'more than 10 attributes are refused by publish, and nobody gets the message',
    {
      kind: 'publish',
      message: { id: 't14' },
      attributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v'])),
    },
    { status: 500, results: {} },
  ),
  topic(
    'topic-from-queue',
    'a queue function publishes, and every subscription gets it',
    { kind: 'queue', queue: 'relays', bodies: ['{"id":"t15"}'] },
    {
      results: {
        'email/t15': delivered('{"id":"t15"}', { via: 'queue' }),
        'flaky/t15': delivered('{"id":"t15"}', { via: 'queue' }),
      },
    },
  ),
]

export const scenarios: readonly Scenario[] = [...http, ...queue, ...blob, ...others, ...topics]
