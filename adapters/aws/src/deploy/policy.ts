import type { ManifestFunction } from '@xfn/core'
import type { AwsLayout } from './target.js'

export interface PolicyStatement {
  readonly Sid: string
  readonly Effect: 'Allow'
  readonly Action: readonly string[]
  readonly Resource: readonly string[]
}

export interface PolicyDocument {
  readonly Version: '2012-10-17'
  readonly Statement: readonly PolicyStatement[]
}

/** Who may assume a function's role: Lambda, and nothing else. */
export const lambdaTrustPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
} as const

const actions = {
  // CreateLogGroup too: Lambda makes the function's log group at its first line, and without the
  // permission every line is lost (AWS's own basic execution role grants it the same way).
  logs: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
  consume: [
    'sqs:ChangeMessageVisibility',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    'sqs:ReceiveMessage',
  ],
  send: ['sqs:SendMessage'],
  publish: ['sns:Publish'],
  // SecureString parameters under the AWS managed key: SSM decrypts for a caller it lets read.
  readSecrets: ['ssm:GetParameter'],
  // What Lambda does for a function in a VPC, as AWSLambdaVPCAccessExecutionRole grants it.
  vpc: [
    'ec2:AssignPrivateIpAddresses',
    'ec2:CreateNetworkInterface',
    'ec2:DeleteNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:UnassignPrivateIpAddresses',
  ],
  readObjects: ['s3:GetObject'],
  listBucket: ['s3:ListBucket'],
  writeObjects: ['s3:DeleteObject', 's3:PutObject'],
} as const

/**
 * The one inline policy of a function's role: its own log group, the queue it consumes (a topic
 * subscription's own queue for a topic function), and the queues, buckets and topics its grants name (`uses`, plus what its trigger implies). No wildcard
 * resource: every statement names ARNs of this app and stage.
 */
export function functionPolicy(
  fn: ManifestFunction,
  layout: AwsLayout,
  queueName: (logical: string) => string,
  options: { readonly vpc?: boolean } = {},
): PolicyDocument {
  const physical = layout.function(fn.name)
  const statements: PolicyStatement[] = [
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: [...actions.logs],
      // The group itself (CreateLogGroup) and its streams (the other two).
      Resource: [layout.logGroupArn(physical), `${layout.logGroupArn(physical)}:*`],
    },
  ]
  const consumed =
    fn.trigger.type === 'queue'
      ? queueName(fn.trigger.queue)
      : fn.trigger.type === 'topic'
        ? layout.subscriptionQueue(fn.trigger.topic, fn.name)
        : undefined
  if (consumed)
    statements.push({
      Sid: 'ConsumeQueue',
      Effect: 'Allow',
      Action: [...actions.consume],
      Resource: [layout.queueArn(consumed)],
    })
  const sendTo = fn.uses.filter((g) => g.resource === 'queue' && g.access.includes('send'))
  if (sendTo.length > 0)
    statements.push({
      Sid: 'SendMessages',
      Effect: 'Allow',
      Action: [...actions.send],
      Resource: sendTo.map((g) => layout.queueArn(queueName(g.name))),
    })
  const publishTo = fn.uses.filter((g) => g.resource === 'topic' && g.access.includes('publish'))
  if (publishTo.length > 0)
    statements.push({
      Sid: 'PublishMessages',
      Effect: 'Allow',
      Action: [...actions.publish],
      Resource: publishTo.map((g) => layout.topicArn(layout.topic(g.name))),
    })
  if (options.vpc)
    statements.push({
      Sid: 'VpcNetworkInterfaces',
      Effect: 'Allow',
      Action: [...actions.vpc],
      // These EC2 actions take no resource-level permission (the Service Authorization
      // Reference lists none for them): the one wildcard, and only for a function in a VPC.
      Resource: ['*'],
    })
  const secrets = fn.uses.filter((g) => g.resource === 'secret')
  if (secrets.length > 0)
    statements.push({
      Sid: 'ReadSecrets',
      Effect: 'Allow',
      Action: [...actions.readSecrets],
      Resource: secrets.map((g) => layout.parameterArn(layout.secretParameter(g.name))),
    })
  const buckets = (access: 'read' | 'write') =>
    fn.uses
      .filter((g) => g.resource === 'bucket' && g.access.includes(access))
      .map((g) => layout.bucket(g.name))
  const readable = buckets('read')
  if (readable.length > 0) {
    statements.push({
      Sid: 'ReadObjects',
      Effect: 'Allow',
      Action: [...actions.readObjects],
      Resource: readable.map((name) => `${layout.bucketArn(name)}/*`),
    })
    statements.push({
      Sid: 'ListObjects',
      Effect: 'Allow',
      Action: [...actions.listBucket],
      Resource: readable.map((name) => layout.bucketArn(name)),
    })
  }
  const writable = buckets('write')
  if (writable.length > 0)
    statements.push({
      Sid: 'WriteObjects',
      Effect: 'Allow',
      Action: [...actions.writeObjects],
      Resource: writable.map((name) => `${layout.bucketArn(name)}/*`),
    })
  return { Version: '2012-10-17', Statement: statements }
}
