import { awsNames, type NameTarget } from '@xfn/core'

/** Where a deploy goes: the app and stage, the account and the region. */
export interface AwsTarget extends NameTarget {
  readonly region: string
  readonly accountId: string
  /** Who deploys: the ARN sts:GetCallerIdentity names, when it was asked. */
  readonly caller?: string
}

/** Physical names and ARNs on AWS. Everything is derived, so no state file is kept. */
export function awsLayout(target: AwsTarget) {
  const names = awsNames(target, target)
  const { region, accountId } = target
  const prefix = `${target.app}-${target.stage}`
  return {
    ...names,
    prefix,
    /** IAM path of the app's roles, which scopes listing them. */
    rolePath: `/xfn/${target.app}/${target.stage}/`,
    api: prefix,
    rule: (fn: string) => `${prefix}-${fn}`,
    apiKeyParameter: `/xfn/${target.app}/${target.stage}/api-key`,
    /** Where `xfn secret set` keeps the app's secrets: SSM SecureString parameters under one path. */
    secretsPath: `/xfn/${target.app}/${target.stage}/secrets/`,
    secretParameter: (name: string) => `/xfn/${target.app}/${target.stage}/secrets/${name}`,
    roleArn: (name: string) => `arn:aws:iam::${accountId}:role/xfn/${target.app}/${target.stage}/${name}`,
    functionArn: (name: string) => `arn:aws:lambda:${region}:${accountId}:function:${name}`,
    /**
     * The alias every trigger invokes: a deploy points it at a version it publishes, a rollback at
     * an earlier one.
     */
    alias: 'live',
    liveArn: (name: string) => `arn:aws:lambda:${region}:${accountId}:function:${name}:live`,
    /** Where each release is recorded: one SSM parameter per release, `<path>r<n>`. */
    releasesPath: `/xfn/${target.app}/${target.stage}/releases/`,
    queueArn: (name: string) => `arn:aws:sqs:${region}:${accountId}:${name}`,
    bucketArn: (name: string) => `arn:aws:s3:::${name}`,
    topicArn: (name: string) => `arn:aws:sns:${region}:${accountId}:${name}`,
    ruleArn: (name: string) => `arn:aws:events:${region}:${accountId}:rule/${name}`,
    logGroupArn: (fn: string) => `arn:aws:logs:${region}:${accountId}:log-group:/aws/lambda/${fn}`,
    // Every route of the API: `<stage>/<METHOD>/<path>` on REST, also `<stage>/$default` on HTTP
    // APIs, whose catch-all route `*/*/*` (three parts) would not match.
    executeApiArn: (apiId: string) => `arn:aws:execute-api:${region}:${accountId}:${apiId}/*`,
    parameterArn: (name: string) => `arn:aws:ssm:${region}:${accountId}:parameter${name}`,
  }
}

export type AwsLayout = ReturnType<typeof awsLayout>
