import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type FakeArm,
  fakeCertificate,
  fakeToken,
  metricsSummaryTable,
  startFakeArm,
} from '../deploy/__fixtures__/fake-arm.js'
import { staticTokenCredential } from '../deploy/index.js'
import {
  createLogsClient,
  followAzureLogs,
  logsQuery,
  parseAppInsightsRow,
  readAzureLogs,
  readAzureMetrics,
} from './index.js'

/*
 * Rows as the Log Analytics query API returns them for the workspace tables of Application
 * Insights (AppTraces, AppRequests, AppExceptions), projected by xfn's query: the handler's line
 * as xfn's Azure runtime writes it, the host's own lines, a request per invocation, an exception.
 */
const columns = [
  ['TimeGenerated', 'datetime'],
  ['Kind', 'string'],
  ['Category', 'string'],
  ['Function', 'string'],
  ['Message', 'string'],
  ['SeverityLevel', 'int'],
  ['InvocationId', 'string'],
  ['DurationMs', 'real'],
  ['Success', 'bool'],
  ['ResultCode', 'string'],
].map(([name, type]) => ({ name: name as string, type: type as string }))

const invocation = '5f0c2f8e-8a4b-4d0e-9a51-2b1f6f3c0d11'
const rows = [
  [
    '2026-11-22T10:00:00.100Z',
    'trace',
    'Function.fulfil',
    'fulfil',
    `Executing 'Functions.fulfil' (Reason='New queue message detected on 'orders'.', Id=${invocation})`,
    1,
    invocation,
    null,
    null,
    '',
  ],
  [
    '2026-11-22T10:00:00.150Z',
    'trace',
    'Function.fulfil.User',
    'fulfil',
    JSON.stringify({
      timestamp: '2026-11-22T10:00:00.149Z',
      level: 'INFO',
      invocationId: invocation,
      message: 'fulfilled',
      function: 'fulfil',
      fields: { sku: 'tea' },
    }),
    1,
    invocation,
    null,
    null,
    '',
  ],
  [
    '2026-11-22T10:00:00.160Z',
    'trace',
    'Function.fulfil.User',
    'fulfil',
    'a plain console line',
    2,
    invocation,
    null,
    null,
    '',
  ],
  ['2026-11-22T10:00:00.180Z', 'request', '', 'fulfil', '', null, invocation, 81.25, true, '0'],
  [
    '2026-11-22T10:00:01.000Z',
    'exception',
    '',
    'createOrder',
    'Result: Failure Exception: boom',
    3,
    'a1b2',
    null,
    null,
    '',
  ],
  ['2026-11-22T10:00:01.010Z', 'request', '', 'createOrder', '', null, 'a1b2', 12.5, false, '500'],
]

let fake: FakeArm
beforeEach(async () => {
  fake = await startFakeArm()
})
afterEach(() => fake.close())

const client = () =>
  createLogsClient(staticTokenCredential(fakeToken), {
    endpoint: fake.endpoint,
    tls: { ca: fakeCertificate },
  })
const source = { workspaceId: '1a2b3c4d-0000-0000-0000-000000000001', roleName: 'shop-dev-57097a' }
const record = (row: unknown[]) => Object.fromEntries(columns.map((c, i) => [c.name, row[i]]))

describe('Application Insights rows', () => {
  it("turns the handler's JSON lines into app events with their level, invocation and fields", () => {
    expect(parseAppInsightsRow(record(rows[1] as unknown[]))).toEqual({
      time: '2026-11-22T10:00:00.150Z',
      cloud: 'azure',
      function: 'fulfil',
      invocationId: invocation,
      level: 'info',
      kind: 'app',
      message: 'fulfilled',
      fields: { sku: 'tea' },
    })
    expect(parseAppInsightsRow(record(rows[2] as unknown[]))).toMatchObject({
      kind: 'app',
      level: 'warn',
      message: 'a plain console line',
    })
  })

  it("turns the host's lines, requests and exceptions into platform events", () => {
    expect(parseAppInsightsRow(record(rows[0] as unknown[]))).toMatchObject({
      kind: 'platform',
      level: 'info',
      function: 'fulfil',
      message: expect.stringMatching(/^Executing 'Functions.fulfil'/),
    })
    expect(parseAppInsightsRow(record(rows[3] as unknown[]))).toMatchObject({
      kind: 'platform',
      level: 'info',
      message: 'Succeeded in 81.3 ms (0)',
      fields: { type: 'report', durationMs: 81.25, resultCode: '0' },
    })
    expect(parseAppInsightsRow(record(rows[4] as unknown[]))).toMatchObject({
      kind: 'platform',
      level: 'error',
      function: 'createOrder',
      message: 'Result: Failure Exception: boom',
    })
    expect(parseAppInsightsRow(record(rows[5] as unknown[]))).toMatchObject({
      level: 'error',
      message: 'Failed in 12.5 ms (500)',
    })
  })

  it('asks for the app by its role name, and quotes what it puts in the query', () => {
    const query = logsQuery({ ...source, roleName: "it's" }, ['fulfil'])
    expect(query).toContain("AppRoleName =~ 'it\\'s'")
    expect(query).toContain("| where Function in ('fulfil', 'fulfil-deleted')")
    for (const table of ['AppTraces', 'AppRequests', 'AppExceptions']) expect(query).toContain(table)
  })
})

describe('reading the query endpoint', () => {
  it('reads a window of events from the workspace, in order', async () => {
    fake.answerQuery = () => ({ columns, rows })
    const since = new Date('2026-11-22T09:45:00Z')
    const until = new Date('2026-11-22T10:05:00Z')
    const events = await readAzureLogs(client(), source, { since, until })
    expect(events.map((e) => `${e.function} ${e.kind} ${e.level} ${e.message.slice(0, 20)}`)).toEqual([
      "fulfil platform info Executing 'Functions",
      'fulfil app info fulfilled',
      'fulfil app warn a plain console line',
      'fulfil platform info Succeeded in 81.3 ms',
      'createOrder platform error Result: Failure Exce',
      'createOrder platform error Failed in 12.5 ms (5',
    ])
    expect(fake.queries).toEqual([
      {
        workspaceId: source.workspaceId,
        query: expect.stringContaining("AppRoleName =~ 'shop-dev-57097a'"),
        timespan: '2026-11-22T09:45:00.000Z/2026-11-22T10:05:00.000Z',
      },
    ])
  })

  it('follows by polling, passing each event on once though the windows overlap', async () => {
    let polls = 0
    fake.answerQuery = () => {
      polls++
      return { columns, rows: rows.slice(0, polls === 1 ? 2 : 4) }
    }
    const stop = new AbortController()
    const seen: string[] = []
    for await (const event of followAzureLogs(client(), source, stop.signal, { intervalMs: 5 })) {
      seen.push(event.message.slice(0, 12))
      if (seen.length === 4) stop.abort()
    }
    expect(seen).toEqual(["Executing 'F", 'fulfilled', 'a plain cons', 'Succeeded in'])
    expect(polls).toBe(2)
  })

  it('reads invocations, errors, timeouts and percentiles per function, and a series per period', async () => {
    fake.answerQuery = (query) =>
      query.includes('percentile')
        ? metricsSummaryTable([['fulfil', 12, 1, 1, 40, 90, 120, 130]])
        : {
            columns: [
              { name: 'Function', type: 'string' },
              { name: 'Bin', type: 'datetime' },
              { name: 'Count', type: 'long' },
            ],
            rows: [
              ['fulfil', '2026-11-22T10:00:00Z', 5],
              ['fulfil', '2026-11-22T10:10:00Z', 7],
            ],
          }
    const metrics = await readAzureMetrics(
      client(),
      source,
      [
        { name: 'fulfil', trigger: 'queue' },
        { name: 'nightly', trigger: 'timer' },
      ],
      {
        since: new Date('2026-11-22T10:00:00Z'),
        until: new Date('2026-11-22T10:30:00Z'),
        periodSeconds: 600,
      },
    )
    expect(metrics).toEqual([
      {
        function: 'fulfil',
        trigger: 'queue',
        invocations: 12,
        errors: 1,
        timeouts: 1,
        p50Ms: 40,
        p95Ms: 90,
        p99Ms: 120,
        maxMs: 130,
        series: [5, 7, 0],
      },
      {
        function: 'nightly',
        trigger: 'timer',
        invocations: 0,
        errors: 0,
        timeouts: 0,
        p50Ms: 0,
        p95Ms: 0,
        p99Ms: 0,
        maxMs: 0,
        series: [0, 0, 0],
      },
    ])
    expect(fake.queries.map((q) => q.query)).toEqual([
      expect.stringContaining('FunctionTimeoutException'),
      expect.stringContaining('bin(TimeGenerated, 600s)'),
    ])
  })
})
