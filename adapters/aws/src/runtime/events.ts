/**
 * The Lambda events a portable app receives, written by hand (no runtime dependency), with only
 * the fields the shim reads. Absent parts may be `null` (REST) or missing (HTTP API).
 */

type Maybe<T> = T | null | undefined

export interface LambdaContext {
  readonly awsRequestId: string
  readonly functionName: string
  getRemainingTimeInMillis(): number
}

/** API Gateway REST (payload 1.0), and ALB, which shares its shape. */
export interface RestEvent {
  readonly httpMethod: string
  readonly path: string
  readonly headers?: Maybe<Record<string, string | undefined>>
  readonly multiValueHeaders?: Maybe<Record<string, string[] | undefined>>
  readonly queryStringParameters?: Maybe<Record<string, string | undefined>>
  readonly multiValueQueryStringParameters?: Maybe<Record<string, string[] | undefined>>
  readonly body?: Maybe<string>
  readonly isBase64Encoded?: Maybe<boolean>
  readonly requestContext?: Maybe<{
    readonly domainName?: string
    readonly elb?: unknown
    readonly requestId?: string
  }>
}

/** API Gateway HTTP API (payload 2.0) and Lambda Function URLs. */
export interface HttpApiEvent {
  readonly version: '2.0'
  readonly rawPath: string
  readonly rawQueryString?: Maybe<string>
  readonly headers?: Maybe<Record<string, string | undefined>>
  readonly cookies?: Maybe<string[]>
  readonly body?: Maybe<string>
  readonly isBase64Encoded?: Maybe<boolean>
  readonly requestContext: {
    readonly domainName?: string
    readonly stage?: string
    readonly http: { readonly method: string }
  }
}

export interface SqsRecord {
  readonly messageId: string
  readonly body: string
  readonly eventSource: 'aws:sqs'
  readonly eventSourceARN?: string
  readonly attributes?: { readonly ApproximateReceiveCount?: string; readonly SentTimestamp?: string }
  /** An SNS topic's raw delivery puts the published attributes here. */
  readonly messageAttributes?: Readonly<
    Record<string, { readonly stringValue?: string; readonly dataType?: string } | undefined>
  >
}

export interface SqsEvent {
  readonly Records: readonly SqsRecord[]
}

export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[]
}

export interface S3Record {
  readonly eventSource: 'aws:s3'
  readonly eventName: string
  readonly eventTime: string
  readonly s3: {
    readonly bucket: { readonly name: string }
    readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string }
  }
}

export interface S3Event {
  readonly Records: readonly S3Record[]
}

/** An EventBridge rule's scheduled event. */
export interface ScheduledEvent {
  readonly 'detail-type': 'Scheduled Event'
  readonly source: 'aws.events'
  readonly time: string
}

/**
 * The payload xfn's EventBridge Scheduler schedules send (Scheduler delivers only its `Input`):
 * `{"source": "xfn.scheduler", "scheduledTime": "<aws.scheduler.scheduled-time>"}`.
 */
export interface SchedulerEvent {
  readonly source: 'xfn.scheduler'
  readonly scheduledTime: string
}

export type HttpEvent = RestEvent | HttpApiEvent
