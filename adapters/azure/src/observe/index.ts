import type { TokenCredential } from '@azure/core-auth'
import type { TlsSettings } from '@azure/core-rest-pipeline'
import { LogsQueryClient } from '@azure/monitor-query-logs'

export {
  type AzureLogSource,
  eventKey,
  followAzureLogs,
  kqlString,
  logsQuery,
  parseAppInsightsRow,
  readAzureLogs,
} from './logs.js'
export { metricsQueries, readAzureMetrics } from './metrics.js'
export type { LogsQueryClient }

/** A client of the Log Analytics query API, or of another endpoint (an emulator, a fake). */
export function createLogsClient(
  credential: TokenCredential,
  options: { endpoint?: string | undefined; tls?: TlsSettings | undefined } = {},
): LogsQueryClient {
  return new LogsQueryClient(credential, {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.tls ? { tlsOptions: options.tls } : {}),
  })
}
