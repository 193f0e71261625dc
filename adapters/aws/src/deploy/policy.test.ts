import { readFileSync } from 'node:fs'
import { createApp, toManifest } from '@xfn/core'
import { describe, expect, it } from 'vitest'
import { registerEveryKind } from '../../../../core/src/__fixtures__/every-kind.js'
import { functionPolicy } from './policy.js'
import { awsLayout } from './target.js'

const target = { app: 'shop', stage: 'dev', region: 'eu-west-1', accountId: '123456789012' }
const layout = awsLayout(target)

function policies() {
  const made = createApp()
  registerEveryKind(made)
  const manifest = toManifest(made.registry, { app: 'shop' })
  return Object.fromEntries(
    manifest.functions.map((fn) => [fn.name, functionPolicy(fn, layout, (queue) => layout.queue(queue))]),
  )
}

const logs = (fn: string) => ({
  Sid: 'Logs',
  Effect: 'Allow',
  Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: [
    `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-dev-${fn}`,
    `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-dev-${fn}:*`,
  ],
})
const orders = 'arn:aws:sqs:eu-west-1:123456789012:shop-dev-orders'
const receipts = `arn:aws:s3:::${layout.bucket('receipts')}`

describe('the IAM policy of each function', () => {
  it('grants exactly what the function triggers on and declares in uses', () => {
    const byFunction = policies()
    expect(byFunction.createOrder?.Statement).toEqual([
      logs('createOrder'),
      { Sid: 'SendMessages', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [orders] },
    ])
    expect(byFunction.getOrder?.Statement).toEqual([
      logs('getOrder'),
      { Sid: 'ReadObjects', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`${receipts}/*`] },
      { Sid: 'ListObjects', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [receipts] },
    ])
    expect(byFunction.fulfil?.Statement).toEqual([
      logs('fulfil'),
      {
        Sid: 'ConsumeQueue',
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
        ],
        Resource: [orders],
      },
      {
        Sid: 'WriteObjects',
        Effect: 'Allow',
        Action: ['s3:DeleteObject', 's3:PutObject'],
        Resource: [`${receipts}/*`],
      },
    ])
    expect(byFunction.nightly?.Statement).toEqual([logs('nightly')])
    // A blob function may read the object it is told about, and nothing else.
    expect(byFunction.audit?.Statement).toEqual([
      logs('audit'),
      { Sid: 'ReadObjects', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`${receipts}/*`] },
      { Sid: 'ListObjects', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [receipts] },
    ])
  })

  it('names no wildcard resource and no wildcard action, only ARNs of this app and stage', () => {
    for (const [fn, policy] of Object.entries(policies())) {
      for (const statement of policy.Statement) {
        for (const action of statement.Action) expect(action, fn).not.toContain('*')
        for (const resource of statement.Resource) {
          expect(resource, fn).not.toBe('*')
          // The only wildcards: log streams of the function's own log group, and objects of a bucket.
          expect(resource.replace(/:\*$|\/\*$/, ''), fn).not.toContain('*')
          expect(resource, fn).toMatch(/shop-dev-/)
        }
      }
    }
  })
})

describe('the policy a deploying identity needs (adapters/aws/deploy-policy.json, in the README)', () => {
  it('allows every call a deploy, a redeploy with changes, and a destroy make', async () => {
    const { readFileSync } = await import('node:fs')
    const granted = new Set(
      (
        JSON.parse(readFileSync(new URL('../../deploy-policy.json', import.meta.url), 'utf8')) as {
          Statement: { Action: string | string[] }[]
        }
      ).Statement.flatMap((s) => s.Action),
    )
    const { commandsOfAFullLifecycle } = await import('./__fixtures__/lifecycle.js')
    const missing = (await commandsOfAFullLifecycle())
      .map(({ service, command }) => iamAction(service, command))
      .filter((action) => !granted.has(action))
    expect([...new Set(missing)]).toEqual([])
  })
})

/** The IAM action behind an SDK command, where its name is not simply `service:Command`. */
function iamAction(service: string, command: string): string {
  const s3: Record<string, string> = {
    ListBuckets: 's3:ListAllMyBuckets',
    GetBucketNotificationConfiguration: 's3:GetBucketNotification',
    PutBucketNotificationConfiguration: 's3:PutBucketNotification',
    ListObjectsV2: 's3:ListBucket',
    HeadBucket: 's3:ListBucket',
    DeleteObjects: 's3:DeleteObject',
  }
  if (service === 's3') return s3[command] ?? `s3:${command}`
  if (service === 'apigateway') {
    const verb = /^(Get)/.test(command)
      ? 'GET'
      : /^Create/.test(command)
        ? 'POST'
        : /^Update/.test(command)
          ? 'PATCH'
          : 'DELETE'
    return `apigateway:${verb}`
  }
  return `${service}:${command}`
}

describe("the deployer's policy in the README", () => {
  it('is deploy-policy.json as it is', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8')
    const policy = readFileSync(new URL('../../deploy-policy.json', import.meta.url), 'utf8')
    const shown = /\*\*What the deploying identity needs\*\*[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(shown).toBe(policy.endsWith('\n') ? policy : `${policy}\n`)
  })
})
