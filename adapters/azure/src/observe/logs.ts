import type { LogsQueryClient, LogsTable } from '@azure/monitor-query-logs'
import { type LogEvent, type LogLevel, pause, XfnError } from '@xfn/core'

/** Where an app's telemetry is: the Log Analytics workspace, and the Function App's role name in it. */
export interface AzureLogSource {
  /** The workspace's id (its customer id, a GUID), which queries name. */
  readonly workspaceId: string
  /** The Function App's name, which Application Insights records as `AppRoleName`. */
  readonly roleName: string
}

/** A KQL string literal. */
export function kqlString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/**
 * One query over the workspace tables of Application Insights: the app's traces (the handlers'
 * lines and the host's), its requests (one per invocation, with duration and outcome) and its
 * exceptions, in time order.
 */
export function logsQuery(source: AzureLogSource, functions: readonly string[] = []): string {
  const app = `AppRoleName =~ ${kqlString(source.roleName)}`
  // A blob function that also hears of deletions runs them as '<name>-deleted' on Azure.
  const names = functions.flatMap((name) => [name, `${name}-deleted`])
  const only = names.length > 0 ? `\n| where Function in (${names.map(kqlString).join(', ')})` : ''
  return `union
  (AppTraces | where ${app}
    | project TimeGenerated, Kind = 'trace', Category = tostring(Properties.Category), Function = tostring(split(tostring(Properties.Category), '.')[1]), Message, SeverityLevel, InvocationId = tostring(Properties.InvocationId), DurationMs = real(null), Success = bool(null), ResultCode = ''),
  (AppRequests | where ${app}
    | project TimeGenerated, Kind = 'request', Category = '', Function = Name, Message = '', SeverityLevel = int(null), InvocationId = tostring(Properties.InvocationId), DurationMs, Success, ResultCode),
  (AppExceptions | where ${app}
    | project TimeGenerated, Kind = 'exception', Category = '', Function = OperationName, Message = iff(isempty(OuterMessage), ProblemId, OuterMessage), SeverityLevel, InvocationId = tostring(Properties.InvocationId), DurationMs = real(null), Success = bool(null), ResultCode = '')${only}
| order by TimeGenerated asc
| take 10000`
}

/** The rows of a result table as objects keyed by column name. */
export function rowsOf(table: LogsTable | undefined): Record<string, unknown>[] {
  if (!table) return []
  const names = table.columnDescriptors.map((c) => c.name ?? '')
  return table.rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]])))
}

const severities: LogLevel[] = ['debug', 'info', 'warn', 'error', 'error']

/**
 * One row of the logs query as an event. A handler's line (category `Function.<name>.User`) is
 * the JSON xfn's Azure runtime writes, with its level, invocation and fields; the host's own lines
 * and the requests and exceptions are platform events.
 */
export function parseAppInsightsRow(row: Record<string, unknown>): LogEvent {
  const time = new Date(row.TimeGenerated as string | Date).toISOString()
  const base = {
    time,
    cloud: 'azure' as const,
    function: String(row.Function ?? ''),
    invocationId: String(row.InvocationId ?? ''),
  }
  const level = severities[Number(row.SeverityLevel ?? 1)] ?? 'info'
  if (row.Kind === 'request') {
    const ok = row.Success === true || row.Success === 'True' || row.Success === 'true'
    const durationMs = Number(row.DurationMs ?? 0)
    return {
      ...base,
      level: ok ? 'info' : 'error',
      kind: 'platform',
      message: `${ok ? 'Succeeded' : 'Failed'} in ${durationMs.toFixed(1)} ms${row.ResultCode ? ` (${row.ResultCode})` : ''}`,
      fields: {
        type: 'report',
        durationMs,
        ...(row.ResultCode ? { resultCode: String(row.ResultCode) } : {}),
      },
    }
  }
  const message = String(row.Message ?? '')
  if (row.Kind === 'exception') return { ...base, level: 'error', kind: 'platform', message }
  const own = String(row.Category ?? '').endsWith('.User') ? xfnLine(message) : undefined
  if (own)
    return {
      ...base,
      function: own.function ?? base.function,
      invocationId: own.invocationId ?? base.invocationId,
      level: own.level,
      kind: 'app',
      message: own.message,
      ...(own.fields ? { fields: own.fields } : {}),
    }
  return { ...base, level, kind: String(row.Category ?? '').endsWith('.User') ? 'app' : 'platform', message }
}

/** A line written by xfn's Azure log sink, or undefined for any other text. */
function xfnLine(text: string) {
  if (!text.startsWith('{')) return undefined
  try {
    const line = JSON.parse(text) as {
      level?: string
      message?: string
      invocationId?: string
      function?: string
      fields?: Record<string, unknown>
    }
    const level = line.level?.toLowerCase() as LogLevel | undefined
    if (!level || !severities.includes(level) || typeof line.message !== 'string') return undefined
    return { ...line, level, message: line.message }
  } catch {
    return undefined
  }
}

/** The app's events over a window, oldest first. */
export async function readAzureLogs(
  client: LogsQueryClient,
  source: AzureLogSource,
  window: { since: Date; until: Date; functions?: readonly string[] | undefined },
): Promise<LogEvent[]> {
  const result = await client.queryWorkspace(source.workspaceId, logsQuery(source, window.functions), {
    startTime: window.since,
    endTime: window.until,
  })
  if (result.status === 'PartialFailure')
    throw new XfnError(
      'CLOUD_ERROR',
      `The Application Insights query failed in part: ${result.partialError.message ?? 'no reason given'}.`,
    )
  const table = result.tables[0]
  return rowsOf(table).map(parseAppInsightsRow)
}

/**
 * Follows the app's events by polling: Application Insights has no live stream on Flex or Linux
 * Consumption, and takes 20 s to a few minutes to show a line, so each poll reads again the last
 * five minutes and passes on only what it has not yet passed on.
 */
export async function* followAzureLogs(
  client: LogsQueryClient,
  source: AzureLogSource,
  signal: AbortSignal,
  options: { intervalMs?: number; functions?: readonly string[] | undefined; seen?: Set<string> } = {},
): AsyncIterable<LogEvent> {
  const seen = options.seen ?? new Set<string>()
  const interval = options.intervalMs ?? 10_000
  while (!signal.aborted) {
    const until = new Date()
    const events = await readAzureLogs(client, source, {
      since: new Date(until.getTime() - 5 * 60_000),
      until,
      functions: options.functions,
    })
    for (const event of events) {
      const key = eventKey(event)
      if (seen.has(key)) continue
      seen.add(key)
      yield event
    }
    await pause(interval, signal)
  }
}

/** What tells two events apart: Application Insights gives no event id. */
export function eventKey(event: LogEvent): string {
  return `${event.time}|${event.kind}|${event.function}|${event.invocationId}|${event.message}`
}
