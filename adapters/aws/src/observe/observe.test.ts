import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch'
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  StartLiveTailCommand,
} from '@aws-sdk/client-cloudwatch-logs'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, describe, expect, it } from 'vitest'
import { followLogs, parseLambdaLine, readAwsMetrics, readLogHistory } from './index.js'

const logs = mockClient(CloudWatchLogsClient)
const cloudwatch = mockClient(CloudWatchClient)
afterEach(() => {
  logs.reset()
  cloudwatch.reset()
})

const source = (fn: string) => ({
  function: fn,
  group: `/aws/lambda/shop-dev-${fn}`,
  arn: `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-dev-${fn}`,
})
const at = Date.parse('2026-11-22T10:00:00Z')

describe('reading Lambda log lines', () => {
  it("reads xfn's JSON lines with their fields", () => {
    const line =
      '{"timestamp":"2026-11-22T10:00:00.100Z","level":"WARN","requestId":"r1","message":"low stock","function":"fulfil","fields":{"sku":"tea"}}'
    expect(parseLambdaLine('fulfil', line, at)).toEqual({
      cloud: 'aws',
      function: 'fulfil',
      time: '2026-11-22T10:00:00.100Z',
      level: 'warn',
      invocationId: 'r1',
      message: 'low stock',
      fields: { sku: 'tea' },
      kind: 'app',
    })
  })

  it('reads the text format: START, console lines, END and REPORT with the cold start', () => {
    expect(parseLambdaLine('f', 'START RequestId: r2 Version: $LATEST\n', at)).toMatchObject({
      kind: 'platform',
      message: 'start',
      invocationId: 'r2',
    })
    expect(parseLambdaLine('f', '2026-11-22T10:00:00.200Z\tr2\tERROR\tboom\n', at)).toMatchObject({
      kind: 'app',
      level: 'error',
      message: 'boom',
      invocationId: 'r2',
      time: '2026-11-22T10:00:00.200Z',
    })
    const report = parseLambdaLine(
      'f',
      'REPORT RequestId: r2\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB\tInit Duration: 171.85 ms\t\n',
      at,
    )
    expect(report).toMatchObject({
      kind: 'platform',
      invocationId: 'r2',
      message: 'report: 12.5 ms, 80/256 MB, cold start 171.85 ms',
      fields: {
        durationMs: 12.5,
        billedDurationMs: 13,
        memorySizeMb: 256,
        maxMemoryUsedMb: 80,
        initDurationMs: 171.85,
        coldStart: true,
      },
    })
    expect(parseLambdaLine('f', 'END RequestId: r2', at)).toMatchObject({ kind: 'platform', message: 'end' })
  })

  it("reads the JSON format's platform records", () => {
    const report = JSON.stringify({
      time: '2026-11-22T10:00:01.000Z',
      type: 'platform.report',
      record: {
        requestId: 'r3',
        metrics: { durationMs: 3.2, billedDurationMs: 4, memorySizeMB: 128, maxMemoryUsedMB: 70 },
        status: 'success',
      },
    })
    expect(parseLambdaLine('f', report, at)).toMatchObject({
      kind: 'platform',
      level: 'info',
      invocationId: 'r3',
      message: 'report: 3.2 ms, 70/128 MB',
    })
    const timeout = JSON.stringify({
      time: 't',
      type: 'platform.runtimeDone',
      record: { requestId: 'r4', status: 'timeout' },
    })
    expect(parseLambdaLine('f', timeout, at)).toMatchObject({ level: 'error', message: 'end' })
  })
})

describe('log history', () => {
  it('reads every page of every group, without duplicates, in time order; a missing group is no error', async () => {
    logs
      .on(FilterLogEventsCommand, { logGroupName: '/aws/lambda/shop-dev-a' })
      .resolvesOnce({
        events: [{ eventId: '1', timestamp: at + 20, message: 'END RequestId: x' }],
        nextToken: 'n',
      })
      .resolvesOnce({
        events: [
          { eventId: '1', timestamp: at + 20, message: 'END RequestId: x' },
          { eventId: '2', timestamp: at + 5, message: 'START RequestId: x Version: 1' },
        ],
      })
    logs.on(FilterLogEventsCommand, { logGroupName: '/aws/lambda/shop-dev-b' }).rejects(
      Object.assign(new Error('The specified log group does not exist.'), {
        name: 'ResourceNotFoundException',
      }),
    )
    const events = await readLogHistory(
      new CloudWatchLogsClient({ region: 'eu-west-1' }),
      [source('a'), source('b')],
      {
        since: new Date(at),
      },
    )
    expect(events.map((e) => `${e.function} ${e.message}`)).toEqual(['a start', 'a end'])
    expect(logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input).toMatchObject({ startTime: at })
  })
})

describe('following logs', () => {
  it('tails up to 10 groups per Live Tail session', async () => {
    const sources = Array.from({ length: 12 }, (_, i) => source(`f${i}`))
    logs.on(StartLiveTailCommand).callsFake(async (input: { logGroupIdentifiers: string[] }) => ({
      responseStream: (async function* () {
        yield { sessionStart: {} }
        yield {
          sessionUpdate: {
            sessionResults: [
              {
                logGroupIdentifier: input.logGroupIdentifiers[0],
                timestamp: at,
                message: 'START RequestId: q Version: 1',
              },
            ],
          },
        }
        await new Promise(() => undefined)
      })(),
    }))
    const stop = new AbortController()
    const seen: string[] = []
    for await (const event of followLogs(
      new CloudWatchLogsClient({ region: 'eu-west-1' }),
      sources,
      stop.signal,
      () => undefined,
    )) {
      seen.push(event.function)
      if (seen.length === 2) stop.abort()
    }
    expect(seen.sort()).toEqual(['f0', 'f10'])
    expect(
      logs.commandCalls(StartLiveTailCommand).map((c) => c.args[0].input.logGroupIdentifiers?.length),
    ).toEqual([10, 2])
  })

  it('starts a session that ends early again after a growing pause, and gives each event once', async () => {
    // Sessions that end at once, each sending the same two events again, as the service may.
    logs.on(StartLiveTailCommand).callsFake(async (input: { logGroupIdentifiers: string[] }) => ({
      responseStream: (async function* () {
        yield {
          sessionUpdate: {
            sessionResults: ['START RequestId: a Version: 1', 'START RequestId: b Version: 1'].map(
              (message) => ({
                logGroupIdentifier: input.logGroupIdentifiers[0],
                logStreamName: 's',
                timestamp: at,
                message,
              }),
            ),
          },
        }
      })(),
    }))
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 2500)
    const seen: string[] = []
    for await (const event of followLogs(
      new CloudWatchLogsClient({ region: 'eu-west-1' }),
      [source('a')],
      stop.signal,
      () => undefined,
    ))
      seen.push(event.invocationId)
    expect(seen).toEqual(['a', 'b'])
    // At once, after 1 s, after 2 more: two sessions in 2.5 s, where it used to be thousands.
    expect(logs.commandCalls(StartLiveTailCommand).length).toBe(2)
  })

  it('falls back to polling when Live Tail is denied, and says so once', async () => {
    logs
      .on(StartLiveTailCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }))
    logs.on(FilterLogEventsCommand).resolves({
      events: [{ eventId: 'e', timestamp: Date.now(), message: 'START RequestId: p Version: 1' }],
    })
    const stop = new AbortController()
    const notices: string[] = []
    for await (const event of followLogs(
      new CloudWatchLogsClient({ region: 'eu-west-1' }),
      [source('a')],
      stop.signal,
      (n) => notices.push(n),
      { pollMs: 10 },
    )) {
      expect(event.invocationId).toBe('p')
      stop.abort()
    }
    expect(notices).toEqual([
      'Live Tail is not available (AccessDeniedException: not authorized); polling the log groups every 2 s instead.',
    ])
  })
})

describe('metrics', () => {
  it('sums calls, errors and throttles, keeps the worst percentile, and spreads calls over the window', async () => {
    const since = new Date(at)
    const until = new Date(at + 3 * 60_000)
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'invocations_0', Timestamps: [new Date(at), new Date(at + 120_000)], Values: [4, 6] },
        { Id: 'errors_0', Timestamps: [new Date(at)], Values: [1] },
        { Id: 'throttles_0', Timestamps: [], Values: [] },
        { Id: 'p50_0', Timestamps: [new Date(at), new Date(at + 120_000)], Values: [10, 12] },
        { Id: 'p95_0', Timestamps: [new Date(at)], Values: [40] },
        { Id: 'p99_0', Timestamps: [new Date(at)], Values: [90] },
        { Id: 'max_0', Timestamps: [new Date(at)], Values: [120] },
      ],
    })
    const [metrics] = await readAwsMetrics(
      new CloudWatchClient({ region: 'eu-west-1' }),
      [{ function: 'fulfil', trigger: 'queue', name: 'shop-dev-fulfil' }],
      { since, until, periodSeconds: 60 },
    )
    expect(metrics).toEqual({
      function: 'fulfil',
      trigger: 'queue',
      invocations: 10,
      errors: 1,
      timeouts: 0,
      throttles: 0,
      p50Ms: 12,
      p95Ms: 40,
      p99Ms: 90,
      maxMs: 120,
      series: [4, 0, 6],
    })
    const queries = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries ?? []
    expect(queries.map((q) => `${q.MetricStat?.Metric?.MetricName}:${q.MetricStat?.Stat}`)).toEqual([
      'Invocations:Sum',
      'Errors:Sum',
      'Throttles:Sum',
      'Duration:p50',
      'Duration:p95',
      'Duration:p99',
      'Duration:Maximum',
    ])
  })
})
