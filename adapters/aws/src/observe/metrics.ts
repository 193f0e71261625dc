import { type CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch'
import type { FunctionMetrics } from '@xfn/core'

export interface MetricsSource {
  readonly function: string
  readonly trigger: string
  /** The Lambda function's name. */
  readonly name: string
}

const statistics = [
  ['invocations', 'Invocations', 'Sum'],
  ['errors', 'Errors', 'Sum'],
  ['throttles', 'Throttles', 'Sum'],
  ['p50', 'Duration', 'p50'],
  ['p95', 'Duration', 'p95'],
  ['p99', 'Duration', 'p99'],
  ['max', 'Duration', 'Maximum'],
] as const

/**
 * Invocations, errors, throttles and duration percentiles of each function over a window, from
 * CloudWatch's AWS/Lambda metrics in one GetMetricData request per 70 functions (every page read).
 * `series` holds the invocations per period, for the sparkline. Lambda's Errors count timeouts
 * too; CloudWatch has no separate count of them, so `timeouts` is 0.
 */
export async function readAwsMetrics(
  client: CloudWatchClient,
  sources: readonly MetricsSource[],
  window: { since: Date; until: Date; periodSeconds: number },
): Promise<FunctionMetrics[]> {
  const values = new Map<string, { timestamps: Date[]; values: number[] }>()
  // GetMetricData takes at most 500 queries per request.
  const perRequest = Math.floor(500 / statistics.length)
  for (let start = 0; start < sources.length; start += perRequest) {
    const queries: MetricDataQuery[] = sources.slice(start, start + perRequest).flatMap((source, index) =>
      statistics.map(([id, metric, stat]) => ({
        Id: `${id}_${start + index}`,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: [{ Name: 'FunctionName', Value: source.name }],
          },
          Period: window.periodSeconds,
          Stat: stat,
        },
        ReturnData: true,
      })),
    )
    let NextToken: string | undefined
    do {
      const page = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: window.since,
          EndTime: window.until,
          ScanBy: 'TimestampAscending',
          NextToken,
        }),
      )
      for (const result of page.MetricDataResults ?? []) {
        const entry = values.get(result.Id ?? '') ?? { timestamps: [], values: [] }
        entry.timestamps.push(...(result.Timestamps ?? []))
        entry.values.push(...(result.Values ?? []))
        values.set(result.Id ?? '', entry)
      }
      NextToken = page.NextToken
    } while (NextToken)
  }
  const points = Math.max(
    1,
    Math.ceil((window.until.getTime() - window.since.getTime()) / (window.periodSeconds * 1000)),
  )
  return sources.map((source, index) => {
    const of = (id: string) => values.get(`${id}_${index}`) ?? { timestamps: [], values: [] }
    const sum = (id: string) => of(id).values.reduce((a, b) => a + b, 0)
    const worst = (id: string) => Math.max(0, ...of(id).values)
    const series = Array<number>(points).fill(0)
    const calls = of('invocations')
    calls.timestamps.forEach((time, i) => {
      const at = Math.min(
        points - 1,
        Math.max(0, Math.floor((time.getTime() - window.since.getTime()) / (window.periodSeconds * 1000))),
      )
      series[at] = (series[at] ?? 0) + (calls.values[i] ?? 0)
    })
    return {
      function: source.function,
      trigger: source.trigger,
      invocations: sum('invocations'),
      errors: sum('errors'),
      timeouts: 0,
      throttles: sum('throttles'),
      // Percentiles of each period; across periods the worst is shown, never an average of percentiles.
      p50Ms: worst('p50'),
      p95Ms: worst('p95'),
      p99Ms: worst('p99'),
      maxMs: worst('max'),
      series,
    }
  })
}
