import type { LogsQueryClient } from '@azure/monitor-query-logs'
import { type FunctionMetrics, XfnError } from '@xfn/core'
import { type AzureLogSource, kqlString, rowsOf } from './logs.js'

/**
 * Invocations, errors, timeouts and duration percentiles per function over a window, from the
 * app's requests in Application Insights (one request per invocation), and the invocations per
 * period for the sparkline: two KQL queries.
 */
export function metricsQueries(source: AzureLogSource, periodSeconds: number) {
  const app = `AppRoleName =~ ${kqlString(source.roleName)}`
  return {
    totals: `let timeouts = AppExceptions | where ${app} and ExceptionType endswith 'FunctionTimeoutException'
  | summarize Timeouts = count() by Function = OperationName;
AppRequests | where ${app}
| summarize Invocations = count(), Errors = countif(Success == false), P50 = percentile(DurationMs, 50), P95 = percentile(DurationMs, 95), P99 = percentile(DurationMs, 99), Max = max(DurationMs) by Function = Name
| join kind = leftouter timeouts on Function
| project Function, Invocations, Errors, Timeouts = coalesce(Timeouts, 0), P50, P95, P99, Max`,
    series: `AppRequests | where ${app}
| summarize Count = count() by Function = Name, Bin = bin(TimeGenerated, ${periodSeconds}s)`,
  }
}

export async function readAzureMetrics(
  client: LogsQueryClient,
  source: AzureLogSource,
  functions: readonly { readonly name: string; readonly trigger: string }[],
  window: { since: Date; until: Date; periodSeconds: number },
): Promise<FunctionMetrics[]> {
  const queries = metricsQueries(source, window.periodSeconds)
  const timespan = { startTime: window.since, endTime: window.until }
  const [totals, series] = await Promise.all([
    client.queryWorkspace(source.workspaceId, queries.totals, timespan),
    client.queryWorkspace(source.workspaceId, queries.series, timespan),
  ])
  for (const result of [totals, series])
    if (result.status === 'PartialFailure')
      throw new XfnError(
        'CLOUD_ERROR',
        `The Application Insights query failed in part: ${result.partialError.message ?? 'no reason given'}.`,
      )
  const byFunction = new Map(
    rowsOf(totals.status === 'Success' ? totals.tables[0] : undefined).map((r) => [String(r.Function), r]),
  )
  const periodMs = window.periodSeconds * 1000
  const bins = Math.max(1, Math.ceil((window.until.getTime() - window.since.getTime()) / periodMs))
  const counts = new Map<string, number[]>()
  for (const row of rowsOf(series.status === 'Success' ? series.tables[0] : undefined)) {
    const index = Math.floor(
      (new Date(row.Bin as string | Date).getTime() - window.since.getTime()) / periodMs,
    )
    const name = String(row.Function)
    const list = counts.get(name) ?? new Array<number>(bins).fill(0)
    counts.set(name, list)
    if (index >= 0 && index < bins) list[index] = (list[index] ?? 0) + Number(row.Count ?? 0)
  }
  return functions.map((fn) => {
    const row = byFunction.get(fn.name)
    const number = (value: unknown) =>
      typeof value === 'number' && Number.isFinite(value) ? value : Number(value ?? 0) || 0
    return {
      function: fn.name,
      trigger: fn.trigger,
      invocations: number(row?.Invocations),
      errors: number(row?.Errors),
      timeouts: number(row?.Timeouts),
      p50Ms: number(row?.P50),
      p95Ms: number(row?.P95),
      p99Ms: number(row?.P99),
      maxMs: number(row?.Max),
      series: counts.get(fn.name) ?? new Array<number>(bins).fill(0),
    }
  })
}
