import { createApp, toManifest } from '@xfn/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { account, FakeAws, region } from './__fixtures__/fake-aws.js'
import {
  type AwsBuild,
  applyPlan,
  createAwsClients,
  planDeploy,
  planDestroy,
  resolveTarget,
} from './index.js'

/*
 * Topics on AWS: an SNS topic, and for each topic function its own SQS queue (with its dead-letter
 * queue) subscribed with raw delivery and the function's filter, consumed through an event source
 * mapping, against the fake control plane checked against the service models.
 */

type Filter = Record<string, string[]>

function shopBuild(auditFilter: Filter | null = { region: ['eu', 'us'] }, withEmail = true): AwsBuild {
  const { app, topic, bucket, registry } = createApp()
  const placed = topic('order-placed')
  const seen = bucket('seen')
  app.http('place', { route: '/orders', method: 'POST', uses: [placed] }, () => ({ status: 202 }))
  if (withEmail) app.topic('email', { topic: placed, uses: [seen.writeOnly] }, () => undefined)
  app.topic(
    'audit',
    { topic: placed, maxAttempts: 5, timeoutSeconds: 20, ...(auditFilter ? { filter: auditFilter } : {}) },
    () => undefined,
  )
  const manifest = toManifest(registry, { app: 'shop' })
  return {
    manifest,
    zip: new Uint8Array([1]),
    handlers: Object.fromEntries(manifest.functions.map((fn) => [fn.name, `index.${fn.name}`])),
  }
}

let fake: FakeAws
beforeEach(() => {
  fake = new FakeAws()
})
afterEach(() => fake.restore())

const options = { sleep: async () => undefined }

async function deploy(build: AwsBuild) {
  const clients = createAwsClients({ region })
  const target = await resolveTarget(clients, 'shop', 'dev')
  await applyPlan(clients, await planDeploy(clients, build, target), options)
}

const arn = (service: string, name: string) => `arn:aws:${service}:${region}:${account}:${name}`
const topicArn = arn('sns', 'shop-dev-order-placed')
const subscriptions = () =>
  [...(fake.topics.get(topicArn)?.subscriptions.values() ?? [])].sort((a, b) =>
    a.endpoint.localeCompare(b.endpoint),
  )

describe('topics on AWS', () => {
  it('makes the topic, a queue per subscription that only the topic may send to, and the subscriptions', async () => {
    await deploy(shopBuild())
    expect([...fake.topics.keys()]).toEqual([topicArn])
    expect(fake.topics.get(topicArn)?.tags).toEqual([
      { Key: 'xfn:app', Value: 'shop' },
      { Key: 'xfn:stage', Value: 'dev' },
    ])
    expect(subscriptions()).toEqual([
      {
        protocol: 'sqs',
        endpoint: arn('sqs', 'shop-dev-order-placed--audit'),
        attributes: {
          RawMessageDelivery: 'true',
          FilterPolicyScope: 'MessageAttributes',
          FilterPolicy: '{"region":["eu","us"]}',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: arn('sqs', 'shop-dev-order-placed--audit-dlq'),
          }),
        },
      },
      {
        protocol: 'sqs',
        endpoint: arn('sqs', 'shop-dev-order-placed--email'),
        attributes: {
          RawMessageDelivery: 'true',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: arn('sqs', 'shop-dev-order-placed--email-dlq'),
          }),
        },
      },
    ])

    const audit = fake.queues.get('shop-dev-order-placed--audit')?.attributes ?? {}
    expect(audit).toMatchObject({
      VisibilityTimeout: '120', // 6 × the function's 20 s
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: arn('sqs', 'shop-dev-order-placed--audit-dlq'),
        maxReceiveCount: 5,
      }),
    })
    for (const queue of ['shop-dev-order-placed--audit', 'shop-dev-order-placed--audit-dlq'])
      expect(JSON.parse(fake.queues.get(queue)?.attributes.Policy ?? '{}')).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'xfn-topic',
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: arn('sqs', queue),
            Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
          },
        ],
      })

    // Each topic function consumes its own queue, reporting failures per message.
    expect(
      [...fake.mappings.values()]
        .map((m) => [m.FunctionArn?.replace(/^.*:function:/, ''), m.EventSourceArn, m.FunctionResponseTypes])
        .sort(),
    ).toEqual([
      ['shop-dev-audit:live', arn('sqs', 'shop-dev-order-placed--audit'), ['ReportBatchItemFailures']],
      ['shop-dev-email:live', arn('sqs', 'shop-dev-order-placed--email'), ['ReportBatchItemFailures']],
    ])

    // The publisher may publish to the topic, and knows where it is; the subscriber may consume its queue.
    const place = fake.functions.get('shop-dev-place')?.config.Environment?.Variables ?? {}
    expect(JSON.parse(place.XFN_RESOURCES ?? '{}').topics).toEqual({ 'order-placed': { arn: topicArn } })
    const placePolicy = JSON.parse(fake.roles.get('shop-dev-place')?.policy ?? '{}')
    expect(placePolicy.Statement).toContainEqual({
      Sid: 'PublishMessages',
      Effect: 'Allow',
      Action: ['sns:Publish'],
      Resource: [topicArn],
    })
    const emailPolicy = JSON.parse(fake.roles.get('shop-dev-email')?.policy ?? '{}')
    expect(emailPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Sid: 'ConsumeQueue',
        Resource: [arn('sqs', 'shop-dev-order-placed--email')],
      }),
    )
    expect(JSON.stringify(emailPolicy)).not.toContain('sns:')
  })

  it('changes nothing on a redeploy of the same app', async () => {
    await deploy(shopBuild())
    fake.reset()
    await deploy(shopBuild())
    expect(fake.mutatingCalls()).toEqual([])
  })

  it('changes a filter in place, removes it, and unsubscribes a function that is gone', async () => {
    await deploy(shopBuild())
    const [audit] = [...(fake.topics.get(topicArn)?.subscriptions.keys() ?? [])]
    fake.reset()
    await deploy(shopBuild({ region: ['eu'], tier: ['gold', 'silver'] }))
    expect(fake.mutatingCalls().map((c) => [c.command, c.input])).toEqual([
      [
        'SetSubscriptionAttributes',
        {
          SubscriptionArn: audit,
          AttributeName: 'FilterPolicy',
          AttributeValue: '{"region":["eu"],"tier":["gold","silver"]}',
        },
      ],
    ])

    fake.reset()
    await deploy(shopBuild(null))
    expect(
      fake.mutatingCalls().map((c) => [c.command, c.input.AttributeName, c.input.AttributeValue]),
    ).toEqual([['SetSubscriptionAttributes', 'FilterPolicy', '{}']])
    fake.reset()
    await deploy(shopBuild(null))
    expect(fake.mutatingCalls()).toEqual([])

    await deploy(shopBuild(null, false))
    expect(subscriptions().map((s) => s.endpoint)).toEqual([arn('sqs', 'shop-dev-order-placed--audit')])
    expect(fake.queues.has('shop-dev-order-placed--email')).toBe(false)
    expect(fake.queues.has('shop-dev-order-placed--email-dlq')).toBe(false)
    expect([...fake.mappings.values()].map((m) => m.FunctionArn?.replace(/^.*:function:/, ''))).toEqual([
      'shop-dev-audit:live',
    ])
  })

  it('finishes an interrupted deploy when run again, and destroy leaves nothing', async () => {
    fake.failNext('Subscribe')
    await expect(deploy(shopBuild())).rejects.toThrow(/Subscribe|subscription/)
    await deploy(shopBuild())
    expect(subscriptions()).toHaveLength(2)
    fake.reset()
    await deploy(shopBuild())
    expect(fake.mutatingCalls()).toEqual([])

    // Someone else's subscription to the app's topic is theirs: a deploy leaves it alone.
    const topic = fake.topics.get(topicArn)
    topic?.subscriptions.set(`${topicArn}:theirs`, {
      protocol: 'email',
      endpoint: 'ops@example.com',
      attributes: {},
    })
    await deploy(shopBuild())
    expect(topic?.subscriptions.has(`${topicArn}:theirs`)).toBe(true)

    const clients = createAwsClients({ region })
    const target = await resolveTarget(clients, 'shop', 'dev')
    await applyPlan(clients, await planDestroy(clients, target), options)
    expect(fake.topics.size).toBe(0)
    expect(fake.queues.size).toBe(0)
    expect(fake.mappings.size).toBe(0)
    expect(fake.functions.size).toBe(0)
  })
})
