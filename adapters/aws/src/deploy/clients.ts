import { APIGatewayClient } from '@aws-sdk/client-api-gateway'
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2'
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { EventBridgeClient } from '@aws-sdk/client-eventbridge'
import { IAMClient } from '@aws-sdk/client-iam'
import { LambdaClient } from '@aws-sdk/client-lambda'
import { S3Client } from '@aws-sdk/client-s3'
import { SNSClient } from '@aws-sdk/client-sns'
import { SQSClient } from '@aws-sdk/client-sqs'
import { SSMClient } from '@aws-sdk/client-ssm'
import { STSClient } from '@aws-sdk/client-sts'

/** The AWS SDK v3 clients a deploy uses, one per service. */
export interface AwsClients {
  readonly lambda: LambdaClient
  readonly iam: IAMClient
  readonly sqs: SQSClient
  readonly sns: SNSClient
  readonly s3: S3Client
  readonly events: EventBridgeClient
  readonly api: ApiGatewayV2Client
  /** API Gateway REST APIs, API keys and usage plans. */
  readonly rest: APIGatewayClient
  readonly ssm: SSMClient
  readonly sts: STSClient
  readonly logs: CloudWatchLogsClient
  readonly cloudwatch: CloudWatchClient
  /** The account's audit trail (`xfn history`). */
  readonly cloudtrail: CloudTrailClient
}

/**
 * What xfn adds to the User-Agent of every AWS request: CloudTrail records it, so `xfn history`
 * tells the changes xfn made from those made by hand.
 */
export const xfnUserAgent = ['xfn', '1'] as const

export interface ClientOptions {
  /** Otherwise the SDK's own resolution: AWS_REGION, then the profile's region. */
  readonly region?: string
  /** A profile of ~/.aws/config and ~/.aws/credentials, as AWS_PROFILE would choose. */
  readonly profile?: string
}

/**
 * Makes the clients with the SDK's standard credential chain (environment, profiles, SSO, web
 * identity, instance roles). Custom endpoints come from the SDK's own settings, AWS_ENDPOINT_URL
 * and AWS_ENDPOINT_URL_<SERVICE>, so a deploy can target LocalStack or moto. Throttling is retried
 * by the SDK with backoff, up to 8 attempts.
 */
export function createAwsClients(options: ClientOptions = {}): AwsClients {
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    maxAttempts: 8,
    customUserAgent: [[...xfnUserAgent]] as [string, string][],
  }
  const customEndpoint = Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3)
  return {
    lambda: new LambdaClient(config),
    iam: new IAMClient(config),
    sqs: new SQSClient(config),
    sns: new SNSClient(config),
    // Emulators serve buckets by path, not by virtual host.
    s3: new S3Client({ ...config, forcePathStyle: customEndpoint }),
    events: new EventBridgeClient(config),
    api: new ApiGatewayV2Client(config),
    rest: new APIGatewayClient(config),
    ssm: new SSMClient(config),
    sts: new STSClient(config),
    // Live Tail's host prefix (streaming-) does not exist on an emulator's endpoint.
    logs: new CloudWatchLogsClient({
      ...config,
      disableHostPrefix: Boolean(
        process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS,
      ),
    }),
    cloudwatch: new CloudWatchClient(config),
    cloudtrail: new CloudTrailClient(config),
  }
}
