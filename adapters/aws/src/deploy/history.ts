import { type Event, LookupEventsCommand } from '@aws-sdk/client-cloudtrail'
import type { TargetChangeRecord } from '@xfn/core'
import { type AwsClients, xfnUserAgent } from './clients.js'
import type { AwsLayout, AwsTarget } from './target.js'

/*
 * `xfn history` on AWS: the management events CloudTrail keeps for 90 days, looked up by the
 * services an app uses and kept when they name one of its resources. Every request xfn makes
 * carries `xfn/` in its User-Agent, which CloudTrail records, so the rest were made by hand.
 */

/** The event sources of the services xfn deploys to. */
const sources = [
  'lambda.amazonaws.com',
  'sqs.amazonaws.com',
  'sns.amazonaws.com',
  's3.amazonaws.com',
  'events.amazonaws.com',
  'apigateway.amazonaws.com',
  'iam.amazonaws.com',
  'ssm.amazonaws.com',
]

/** LookupEvents answers 50 events a page; an app's history rarely needs more pages than this. */
const maxPagesPerSource = 20

/** The record CloudTrail keeps of a call, as much of it as xfn reads. */
interface CloudTrailRecord {
  readonly readOnly?: boolean
  readonly userAgent?: string
  readonly errorCode?: string
  readonly userIdentity?: { readonly arn?: string }
  readonly requestParameters?: Record<string, unknown> | null
}

export async function readHistory(
  clients: AwsClients,
  target: AwsTarget,
  layout: AwsLayout,
  window: { readonly since: Date; readonly until?: Date },
): Promise<TargetChangeRecord[]> {
  const events: Event[] = []
  // One source after another: LookupEvents allows two requests a second per account and Region.
  for (const source of sources) {
    let NextToken: string | undefined
    for (let page = 0; page < maxPagesPerSource; page++) {
      const answer = await clients.cloudtrail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: source }],
          StartTime: window.since,
          EndTime: window.until ?? new Date(),
          MaxResults: 50,
          NextToken,
        }),
      )
      events.push(...(answer.Events ?? []))
      NextToken = answer.NextToken
      if (!NextToken) break
    }
  }
  const mine = [`${layout.prefix}-`, `/xfn/${target.app}/${target.stage}/`]
  const records: TargetChangeRecord[] = []
  for (const event of events) {
    const record = parse(event.CloudTrailEvent)
    if (event.ReadOnly === 'true' || record.readOnly === true) continue
    const named = [
      ...(event.Resources ?? []).map((r) => r.ResourceName ?? ''),
      JSON.stringify(record.requestParameters ?? {}),
    ]
    const resource = named.find((text) => mine.some((m) => text.includes(m)))
    if (resource === undefined) continue
    records.push({
      at: (event.EventTime ?? new Date(0)).toISOString(),
      by: record.userIdentity?.arn ?? event.Username,
      // Lambda's event names carry the API version: UpdateFunctionConfiguration20150331v2.
      action: (event.EventName ?? '').replace(/\d{8}(v\d+)?$/, ''),
      resource: resourceName(event, record, mine),
      byXfn: (record.userAgent ?? '').includes(`${xfnUserAgent[0]}/`),
      failed: record.errorCode !== undefined,
    })
  }
  return records.sort((a, b) => a.at.localeCompare(b.at))
}

function parse(text: string | undefined): CloudTrailRecord {
  try {
    return JSON.parse(text ?? '{}') as CloudTrailRecord
  } catch {
    return {}
  }
}

/** The app's resource an event names: from its resources, else from the call's parameters. */
function resourceName(event: Event, record: CloudTrailRecord, mine: readonly string[]): string {
  const listed = (event.Resources ?? [])
    .map((r) => r.ResourceName ?? '')
    .find((n) => mine.some((m) => n.includes(m)))
  if (listed) return listed
  const parameters = Object.values(record.requestParameters ?? {}).filter(
    (v): v is string => typeof v === 'string',
  )
  return parameters.find((v) => mine.some((m) => v.includes(m))) ?? ''
}
