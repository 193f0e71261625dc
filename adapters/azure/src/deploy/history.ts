import { type TargetChangeRecord, XfnError } from '@xfn/core'
import { type AzureClients, armScope, xfnRequestIdPrefix } from './clients.js'
import { httpSender } from './http.js'
import type { AzureTarget } from './target.js'

/*
 * `xfn history` on Azure: the resource group's Activity Log (the Monitor REST API's management
 * events, kept 90 days). Each operation logs a start and an end; the end (Succeeded or Failed) is
 * the change. Every Resource Manager request xfn makes carries a client request id that starts
 * with xfn's mark, which the log records, so the rest were made by hand.
 */

const activityLogApiVersion = '2015-04-01'
const maxPages = 20

/** An Activity Log event, as much of it as xfn reads (EventData in the Monitor REST API). */
interface EventData {
  readonly caller?: string
  readonly eventTimestamp?: string
  readonly operationName?: { readonly value?: string }
  readonly resourceId?: string
  readonly status?: { readonly value?: string }
  readonly httpRequest?: { readonly clientRequestId?: string }
}

export async function readHistory(
  clients: AzureClients,
  target: AzureTarget,
  window: { readonly since: Date; readonly until?: Date },
): Promise<TargetChangeRecord[]> {
  const send = httpSender(clients, { scope: armScope })
  const filter = `eventTimestamp ge '${window.since.toISOString()}' and eventTimestamp le '${(window.until ?? new Date()).toISOString()}' and resourceGroupName eq '${target.resourceGroup}'`
  let url: string | undefined =
    `${clients.endpoint}/subscriptions/${target.subscriptionId}/providers/Microsoft.Insights/eventtypes/management/values?api-version=${activityLogApiVersion}&$filter=${encodeURIComponent(filter)}`
  const events: EventData[] = []
  for (let page = 0; url && page < maxPages; page++) {
    const answer = await send({ url, method: 'GET' })
    if (answer.status >= 400)
      throw new XfnError(
        'CLOUD_ERROR',
        `Reading the Activity Log of ${target.resourceGroup} answered ${answer.status}: ${answer.text.slice(0, 300)}${answer.status === 403 ? ' The signed-in identity needs Monitoring Reader (Microsoft.Insights/eventtypes/values/read) on the resource group.' : ''}`,
      )
    const body = JSON.parse(answer.text || '{}') as { value?: EventData[]; nextLink?: string }
    events.push(...(body.value ?? []))
    url = body.nextLink
  }
  return events
    .filter((e) => e.status?.value === 'Succeeded' || e.status?.value === 'Failed')
    .filter((e) => /\/(write|delete|action)$/i.test(e.operationName?.value ?? ''))
    .map((e) => ({
      at: new Date(e.eventTimestamp ?? 0).toISOString(),
      by: e.caller,
      action: e.operationName?.value ?? '',
      resource: resourceIn(e.resourceId ?? '', target.resourceGroup),
      byXfn: (e.httpRequest?.clientRequestId ?? '').toLowerCase().startsWith(xfnRequestIdPrefix),
      failed: e.status?.value === 'Failed',
    }))
    .sort((a, b) => a.at.localeCompare(b.at))
}

/** A resource id as it reads within its group: `Microsoft.Web/sites/shop-dev-1a2b3c`. */
function resourceIn(id: string, group: string): string {
  const marker = `/resourcegroups/${group.toLowerCase()}/providers/`
  const at = id.toLowerCase().indexOf(marker)
  return at < 0 ? id : id.slice(at + marker.length)
}
