import { createApp, type Manifest, toManifest } from '@xfn/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { registerEveryKind } from '../../../../core/src/__fixtures__/every-kind.js'
import { account, type Call, FakeAws, isMutating, region } from './__fixtures__/fake-aws.js'
import {
  type AwsBuild,
  applyPlan,
  createAwsClients,
  type DeployOptions,
  describeChange,
  describeDeployed,
  planDeploy,
  planDestroy,
  resolveTarget,
} from './index.js'

const encoder = new TextEncoder()

function everyKindBuild(code = 'export const v = 1'): AwsBuild {
  const made = createApp()
  registerEveryKind(made)
  const manifest = toManifest(made.registry, { app: 'shop' })
  return { manifest, zip: encoder.encode(code), handlers: handlersOf(manifest) }
}

function handlersOf(manifest: Manifest) {
  return Object.fromEntries(manifest.functions.map((fn) => [fn.name, `index.${fn.name}`]))
}

let fake: FakeAws
const sleeps: number[] = []
const options = { sleep: async (ms: number) => void sleeps.push(ms), iamTimeoutMs: 60_000, waitSeconds: 5 }

beforeEach(() => {
  fake = new FakeAws()
  sleeps.length = 0
})
afterEach(() => fake.restore())

async function deploy(build: AwsBuild, stage = 'dev', deployOptions: DeployOptions = {}) {
  const clients = createAwsClients({ region })
  const target = await resolveTarget(clients, build.manifest.app, stage)
  const plan = await planDeploy(clients, build, target, deployOptions)
  const endpoints = await applyPlan(clients, plan, options)
  return { plan, endpoints }
}

const summary = (calls: Call[]) =>
  calls
    .filter((c) => isMutating(c.command))
    .map((c) =>
      `${c.command} ${String(c.input.FunctionName ?? c.input.RoleName ?? c.input.QueueName ?? c.input.Bucket ?? c.input.Name ?? c.input.RouteKey ?? c.input.Rule ?? c.input.StatementId ?? '')}`.trim(),
    )

describe('xfn deploy --cloud aws', () => {
  it('makes every resource of a one-of-each app on the first deploy (HTTP API), in dependency order', async () => {
    const { endpoints } = await deploy(everyKindBuild(), 'dev', { api: 'http' })
    const sequence = summary(fake.calls)
    expect(sequence).toMatchSnapshot()

    const before = (a: string, b: string) => {
      const at = (step: string) => sequence.findIndex((s) => s === step || s.startsWith(`${step} `))
      const [i, j] = [at(a), at(b)]
      expect(i, a).toBeGreaterThanOrEqual(0)
      expect(j, b).toBeGreaterThanOrEqual(0)
      expect(i, `${a} before ${b}`).toBeLessThan(j)
    }
    before('CreateRole shop-dev-fulfil', 'CreateFunction shop-dev-fulfil')
    before('PutRolePolicy shop-dev-fulfil', 'CreateFunction shop-dev-fulfil')
    before('CreateQueue shop-dev-orders-dlq', 'CreateQueue shop-dev-orders')
    before('CreateFunction shop-dev-fulfil', 'PublishVersion shop-dev-fulfil')
    before('PublishVersion shop-dev-fulfil', 'CreateAlias shop-dev-fulfil')
    // Every trigger invokes the alias, so it exists first; the release is recorded last.
    before('CreateAlias shop-dev-fulfil', 'CreateEventSourceMapping shop-dev-fulfil:live')
    before('CreateAlias shop-dev-audit', 'AddPermission shop-dev-audit')
    expect(sequence.at(-1)).toBe('PutParameter /xfn/shop/dev/releases/r1')
    before('AddPermission shop-dev-audit', 'PutBucketNotificationConfiguration')
    before('PutRule shop-dev-nightly', 'PutTargets shop-dev-nightly')
    before('CreateApi', 'CreateRoute POST /orders')

    // What exists afterwards.
    expect([...fake.functions.keys()].sort()).toEqual(
      ['audit', 'createOrder', 'fulfil', 'getOrder', 'nightly'].map((n) => `shop-dev-${n}`),
    )
    const fulfil = fake.functions.get('shop-dev-fulfil')?.config
    expect(fulfil).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.fulfil',
      Timeout: 30,
      MemorySize: 256,
      LoggingConfig: { LogFormat: 'JSON' },
      Role: `arn:aws:iam::${account}:role/xfn/shop/dev/shop-dev-fulfil`,
    })
    expect(JSON.parse(fulfil?.Environment?.Variables?.XFN_RESOURCES ?? '{}')).toEqual({
      queues: {},
      buckets: { receipts: { name: expect.stringMatching(/^shop-dev-receipts-[0-9a-f]{8}$/) } },
    })
    const createOrder = fake.functions.get('shop-dev-createOrder')?.config.Environment?.Variables ?? {}
    expect(JSON.parse(createOrder.XFN_RESOURCES ?? '{}').queues.orders.url).toBe(
      `https://sqs.${region}.amazonaws.com/${account}/shop-dev-orders`,
    )
    expect(createOrder.XFN_API_KEY_SHA256).toMatch(/^[0-9a-f]{64}$/)
    expect(fake.queues.get('shop-dev-orders')?.attributes).toMatchObject({
      VisibilityTimeout: '180', // max(declared 180, 6 × the consumer's 30 s)
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: `arn:aws:sqs:${region}:${account}:shop-dev-orders-dlq`,
        maxReceiveCount: 4,
      }),
    })
    expect([...fake.mappings.values()]).toEqual([
      expect.objectContaining({ BatchSize: 5, FunctionResponseTypes: ['ReportBatchItemFailures'] }),
    ])
    const [api] = fake.apis.values()
    // Each route, ANY on each path (the app's 405) and $default (the app's 404).
    expect([...(api?.routes.values() ?? [])].map((r) => r.key).sort()).toEqual([
      '$default',
      'ANY /orders',
      'ANY /orders/{id}',
      'GET /orders/{id}',
      'POST /orders',
    ])
    expect(
      fake.functions.get('shop-dev-createOrder')?.aliases.get('live')?.statements.get('xfn-http')?.source,
    ).toMatch(new RegExp(`^arn:aws:execute-api:${region}:${account}:api\\d+/\\*$`))
    const [bucket] = fake.buckets.values()
    expect(bucket?.notifications.LambdaFunctionConfigurations).toEqual([
      expect.objectContaining({
        Id: 'xfn-audit',
        Events: ['s3:ObjectCreated:*'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'prefix', Value: 'r/' },
              { Name: 'suffix', Value: '.json' },
            ],
          },
        },
      }),
    ])
    expect(fake.rules.get('shop-dev-nightly')?.expression).toBe('cron(0 2 * * ? *)')

    expect(endpoints.baseUrl).toMatch(/^https:\/\/api\d+\.execute-api\.eu-west-1\.amazonaws\.com$/)
    expect(endpoints.routes).toEqual([
      { route: 'POST /orders', function: 'createOrder', auth: 'key' },
      { route: 'GET /orders/{id}', function: 'getOrder', auth: 'public' },
    ])
    expect(endpoints.apiKey).toBe(fake.params.get('/xfn/shop/dev/api-key')?.value)
  })

  it('serves key routes from a REST API: keys checked by API Gateway, the portable 401 and 404, a usage plan', async () => {
    const { endpoints } = await deploy(everyKindBuild(), 'dev', {
      usagePlan: { rateLimit: 5, burstLimit: 10, quota: { limit: 1000, period: 'DAY' } },
    })
    expect(fake.apis.size).toBe(0)
    const [[apiId, api] = []] = fake.restApis
    const methods = [...(api?.resources.values() ?? [])].flatMap((r) =>
      [...r.methods].map(([m, v]) => `${m} ${r.path}${v.apiKeyRequired ? ' (key)' : ''}`),
    )
    expect(methods.sort()).toEqual([
      'ANY /orders',
      'ANY /orders/{id}',
      'GET /orders/{id}',
      'POST /orders (key)',
    ])
    const post = [...(api?.resources.values() ?? [])].find((r) => r.path === '/orders')?.methods.get('POST')
    expect(post?.uri).toBe(
      `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${region}:${account}:function:shop-dev-createOrder:live/invocations`,
    )
    expect(Object.fromEntries(api?.responses ?? [])).toEqual({
      INVALID_API_KEY: '401',
      MISSING_AUTHENTICATION_TOKEN: '404',
    })
    expect([...(api?.stages ?? [])]).toEqual(['dev'])
    const key = fake.params.get('/xfn/shop/dev/api-key')?.value
    expect([...fake.apiKeys.values()].map((k) => k.value)).toEqual([key])
    expect([...fake.usagePlans.values()]).toEqual([
      expect.objectContaining({
        throttle: { rateLimit: 5, burstLimit: 10 },
        quota: { limit: 1000, period: 'DAY' },
        stages: [`${apiId}:dev`],
        keys: new Set([...fake.apiKeys.keys()]),
      }),
    ])
    // API Gateway checks the key, so the function does not.
    expect(
      fake.functions.get('shop-dev-createOrder')?.config.Environment?.Variables?.XFN_API_KEY_SHA256,
    ).toBeUndefined()
    // The permission matches (as IAM's ArnLike does: '*' is any run of characters) every route
    // API Gateway names when it invokes: a method and path, and HTTP API's $default route.
    const source =
      fake.functions.get('shop-dev-createOrder')?.aliases.get('live')?.statements.get('xfn-http')?.source ??
      ''
    const arnLike = new RegExp(
      `^${source
        .split('*')
        .map((part) => part.replace(/[.$^+?()[\]{}|\\]/g, '\\$&'))
        .join('.*')}$`,
    )
    for (const route of ['dev/POST/orders', 'dev/GET/orders/42', 'dev/$default', '$default/$default'])
      expect(`arn:aws:execute-api:${region}:${account}:${apiId}/${route}`).toMatch(arnLike)
    expect(endpoints.baseUrl).toBe(`https://${apiId}.execute-api.${region}.amazonaws.com/dev`)
    expect(endpoints.apiKey).toBe(key)

    fake.reset()
    await deploy(everyKindBuild(), 'dev', {
      usagePlan: { rateLimit: 5, burstLimit: 10, quota: { limit: 1000, period: 'DAY' } },
    })
    expect(fake.mutatingCalls()).toEqual([])
    await deploy(everyKindBuild(), 'dev', { usagePlan: { rateLimit: 50, burstLimit: 10 } })
    expect([...fake.usagePlans.values()][0]).toMatchObject({ throttle: { rateLimit: 50, burstLimit: 10 } })
    expect([...fake.usagePlans.values()][0]?.quota).toBeUndefined()
    // A quota added to a plan that has none is an 'add' (JSON Patch: 'replace' needs the target).
    await deploy(everyKindBuild(), 'dev', {
      usagePlan: { rateLimit: 50, burstLimit: 10, quota: { limit: 70, period: 'WEEK' } },
    })
    expect([...fake.usagePlans.values()][0]?.quota).toEqual({ limit: 70, offset: 0, period: 'WEEK' })
    fake.reset()
    await deploy(everyKindBuild(), 'dev', {
      usagePlan: { rateLimit: 50, burstLimit: 10, quota: { limit: 70, period: 'WEEK' } },
    })
    expect(fake.mutatingCalls()).toEqual([])
  })

  it('moves between an HTTP API and a REST API, leaving neither behind', async () => {
    await deploy(everyKindBuild(), 'dev', { api: 'http' })
    await deploy(everyKindBuild())
    expect([fake.apis.size, fake.restApis.size]).toEqual([0, 1])
    await deploy(everyKindBuild(), 'dev', { api: 'http' })
    expect([fake.apis.size, fake.restApis.size, fake.usagePlans.size, fake.apiKeys.size]).toEqual([
      1, 0, 0, 0,
    ])
    fake.reset()
    await deploy(everyKindBuild(), 'dev', { api: 'http' })
    expect(fake.mutatingCalls()).toEqual([])
  })

  it('makes no mutating call when nothing changed', async () => {
    await deploy(everyKindBuild())
    fake.reset()
    const { plan, endpoints } = await deploy(everyKindBuild())
    expect(plan.changes).toEqual([])
    expect(fake.mutatingCalls()).toEqual([])
    expect(endpoints.apiKey).toBeDefined()
  })

  it('updates one function when only its settings change', async () => {
    await deploy(everyKindBuild())
    const changed = everyKindBuild()
    const manifest = {
      ...changed.manifest,
      functions: changed.manifest.functions.map((fn) =>
        fn.name === 'nightly' ? { ...fn, memoryMb: 512 } : fn,
      ),
    }
    fake.reset()
    await deploy({ ...changed, manifest })
    // Then a version of it, the live alias pointed at it, and the release recorded.
    expect(summary(fake.calls)).toEqual([
      'UpdateFunctionConfiguration shop-dev-nightly',
      'PublishVersion shop-dev-nightly',
      'UpdateAlias shop-dev-nightly',
      'PutParameter /xfn/shop/dev/releases/r2',
    ])
    // The function was waited on before its configuration changed.
    const commands = fake.calls.map((c) => c.command)
    expect(commands.lastIndexOf('GetFunction')).toBeGreaterThan(
      commands.indexOf('UpdateFunctionConfiguration'),
    )
    expect(commands.slice(0, commands.indexOf('UpdateFunctionConfiguration')).at(-1)).toBe('GetFunction')
  })

  it("puts the app's settings in every function's environment under xfn's own, and changes only what changed", async () => {
    await deploy(everyKindBuild(), 'dev', { env: { CURRENCY: 'EUR', GREETING: 'hello' } })
    for (const fn of fake.functions.values())
      expect(fn.config.Environment?.Variables).toMatchObject({
        CURRENCY: 'EUR',
        GREETING: 'hello',
        NODE_OPTIONS: '--enable-source-maps',
      })
    fake.reset()
    await deploy(everyKindBuild(), 'dev', { env: { CURRENCY: 'EUR', GREETING: 'hello' } })
    expect(fake.mutatingCalls()).toEqual([])
    await deploy(everyKindBuild(), 'dev', { env: { CURRENCY: 'USD' } })
    expect(
      summary(fake.mutatingCalls())
        .filter((c) => !c.startsWith('PutParameter /xfn/shop/dev/releases/'))
        .map((c) => c.split(' ')[0])
        .sort(),
    ).toEqual(
      ['UpdateFunctionConfiguration', 'PublishVersion', 'UpdateAlias']
        .flatMap((c) => Array(5).fill(c))
        .sort(),
    )
    expect(fake.functions.get('shop-dev-nightly')?.config.Environment?.Variables).not.toHaveProperty(
      'GREETING',
    )
  })

  it('puts every function in the VPC aws.vpc names, with the role Lambda needs for it, and takes them out again', async () => {
    const vpc = {
      subnetIds: ['subnet-0b2b2b2b2', 'subnet-0a1a1a1a1'],
      securityGroupIds: ['sg-0123456789abcdef0'],
    }
    await deploy(everyKindBuild(), 'dev', { vpc })
    for (const fn of fake.functions.values())
      expect(fn.config.VpcConfig).toEqual({
        SubnetIds: ['subnet-0a1a1a1a1', 'subnet-0b2b2b2b2'],
        SecurityGroupIds: ['sg-0123456789abcdef0'],
      })
    expect(JSON.parse(fake.roles.get('shop-dev-fulfil')?.policy ?? '{}').Statement).toContainEqual(
      expect.objectContaining({ Sid: 'VpcNetworkInterfaces', Resource: ['*'] }),
    )
    fake.reset()
    await deploy(everyKindBuild(), 'dev', {
      vpc: { ...vpc, subnetIds: ['subnet-0a1a1a1a1', 'subnet-0b2b2b2b2'] },
    })
    expect(fake.mutatingCalls()).toEqual([])
    await deploy(everyKindBuild(), 'dev')
    for (const fn of fake.functions.values())
      expect(fn.config.VpcConfig).toEqual({ SubnetIds: [], SecurityGroupIds: [] })
    expect(fake.roles.get('shop-dev-fulfil')?.policy).not.toContain('ec2:')
    fake.reset()
    await deploy(everyKindBuild(), 'dev')
    expect(fake.mutatingCalls()).toEqual([])
  })

  it("refuses, before any change, settings that would pass Lambda's 4 KB with xfn's own", async () => {
    fake.reset()
    const big = { BIG: 'x'.repeat(3900) }
    await expect(deploy(everyKindBuild(), 'dev', { env: big })).rejects.toThrow(
      /^function '(audit|createOrder|fulfil|getOrder|nightly)' would have \d+ bytes of environment on AWS, over Lambda's 4096: the app's settings \(env in xfn.config.ts\) take 3910,/,
    )
    expect(fake.mutatingCalls()).toEqual([])
  })

  it('uploads new code once per function, waits, then changes nothing else', async () => {
    await deploy(everyKindBuild())
    fake.reset()
    await deploy(everyKindBuild('export const v = 2'))
    const mutating = fake.mutatingCalls()
    // One shared zip serves every function (the build explains why), so each gets the new code,
    // a version of it and its alias on that version; then the release is recorded.
    const commands = mutating.map((c) => c.command)
    expect(commands.slice(0, 5)).toEqual(Array(5).fill('UpdateFunctionCode'))
    expect(commands.slice(5, 15).sort()).toEqual([
      ...Array(5).fill('PublishVersion'),
      ...Array(5).fill('UpdateAlias'),
    ])
    expect(commands.slice(15)).toEqual(['PutParameter'])
  })

  it('deletes the resources of a removed function and leaves the rest', async () => {
    await deploy(everyKindBuild())
    const full = everyKindBuild()
    const manifest = {
      ...full.manifest,
      functions: full.manifest.functions.filter((fn) => fn.name !== 'audit' && fn.name !== 'nightly'),
    }
    fake.reset()
    await deploy({ ...full, manifest })
    expect(summary(fake.calls).sort()).toEqual(
      [
        'PutBucketNotificationConfiguration',
        'RemoveTargets shop-dev-nightly',
        'DeleteRule shop-dev-nightly',
        'DeleteFunction shop-dev-audit',
        'DeleteFunction shop-dev-nightly',
        'DeleteRolePolicy shop-dev-audit',
        'DeleteRole shop-dev-audit',
        'DeleteRolePolicy shop-dev-nightly',
        'DeleteRole shop-dev-nightly',
        // A release of three functions.
        'PutParameter /xfn/shop/dev/releases/r2',
      ]
        .map((s) =>
          s.replace(
            /^PutBucketNotificationConfiguration$/,
            `PutBucketNotificationConfiguration ${[...fake.buckets.keys()][0]}`,
          ),
        )
        .sort(),
    )
    expect(fake.functions.size).toBe(3)
    expect(fake.rules.size).toBe(0)
    expect([...fake.buckets.values()][0]?.notifications.LambdaFunctionConfigurations).toEqual([])
    fake.reset()
    await deploy({ ...full, manifest })
    expect(fake.mutatingCalls()).toEqual([])
  })

  it('retries while IAM propagates a new role, with backoff', async () => {
    fake.roleNotAssumable = 3
    const clients = createAwsClients({ region })
    const plan = await planDeploy(clients, everyKindBuild(), await resolveTarget(clients, 'shop', 'dev'))
    await applyPlan(clients, plan, { ...options, concurrency: 1 })
    expect(sleeps).toEqual([1000, 2000, 4000])
    expect(fake.functions.size).toBe(5)
  })

  it('gives up on a role that never becomes assumable, with a clear error', async () => {
    fake.roleNotAssumable = 1000
    const clients = createAwsClients({ region })
    const target = await resolveTarget(clients, 'shop', 'dev')
    const plan = await planDeploy(clients, everyKindBuild(), target)
    await expect(applyPlan(clients, plan, { ...options, iamTimeoutMs: 10_000 })).rejects.toThrow(
      /create function shop-dev-\w+ failed: InvalidParameterValueException: The role defined for the function cannot be assumed by Lambda\. Run the command again; it resumes where it stopped/,
    )
  })

  it('publishes a REST API whose last deploy stopped before publishing', async () => {
    await deploy(everyKindBuild(), 'dev', { api: 'rest' })
    // The next build makes the key route public: its method changes, then the stage must be published.
    const opened = everyKindBuild()
    const manifest = structuredClone(opened.manifest) as unknown as {
      functions: { name: string; trigger: { auth?: string } }[]
    }
    for (const fn of manifest.functions) if (fn.trigger.auth === 'key') fn.trigger.auth = 'public'
    const build = { ...opened, manifest: manifest as unknown as AwsBuild['manifest'] }
    fake.failNext('CreateDeployment')
    await expect(deploy(build, 'dev', { api: 'rest' })).rejects.toThrow(/failed: InternalFailure/)
    fake.reset()
    const { plan } = await deploy(build, 'dev', { api: 'rest' })
    // (Besides what the stopped deploy had left to do: the key's usage plan, key and parameter go.)
    expect(plan.changes.map(describeChange)).toContainEqual(
      expect.stringContaining(
        'update deployment shop-dev dev: the stage does not serve the routes as they are',
      ),
    )
    expect(fake.mutatingCalls().map((c) => c.command)).toContain('CreateDeployment')
    fake.reset()
    expect((await deploy(build, 'dev', { api: 'rest' })).plan.changes).toEqual([])
  })

  it('converges when re-run after a deploy interrupted at any step', async () => {
    await deploy(everyKindBuild())
    const steps = [...new Set(fake.mutatingCalls().map((c) => c.command))]
    fake.restore()
    expect(steps.length).toBeGreaterThan(15)
    for (const step of steps) {
      fake = new FakeAws()
      fake.failNext(step)
      await expect(deploy(everyKindBuild()), step).rejects.toThrow(/failed: InternalFailure/)
      await deploy(everyKindBuild())
      fake.reset()
      const { plan } = await deploy(everyKindBuild())
      expect(plan.changes.map(describeChange), `after an interruption at ${step}`).toEqual([])
      expect(fake.functions.size).toBe(5)
      fake.restore()
    }
    fake = new FakeAws()
  })

  it('destroys exactly what it made, emptying buckets, and leaves other stages alone', async () => {
    await deploy(everyKindBuild(), 'prod')
    const prodState = JSON.stringify([
      ...fake.functions.keys(),
      ...fake.queues.keys(),
      ...fake.buckets.keys(),
    ])
    await deploy(everyKindBuild())
    const devBucket = [...fake.buckets.keys()].find((b) => b.startsWith('shop-dev-'))
    fake.buckets.get(devBucket ?? '')?.objects.add('r/tea.json')
    const clients = createAwsClients({ region })
    const plan = await planDestroy(clients, await resolveTarget(clients, 'shop', 'dev'))
    expect(plan.changes.every((c) => c.action === 'delete')).toBe(true)
    await applyPlan(clients, plan, options)
    expect(JSON.stringify([...fake.functions.keys(), ...fake.queues.keys(), ...fake.buckets.keys()])).toBe(
      prodState,
    )
    expect([...fake.roles.keys()].every((r) => r.startsWith('shop-prod-'))).toBe(true)
    expect([...fake.rules.keys()]).toEqual(['shop-prod-nightly'])
    expect([...fake.restApis.values()].map((a) => a.tags['xfn:stage'])).toEqual(['prod'])
    expect([...fake.usagePlans.values()].map((p) => p.tags['xfn:stage'])).toEqual(['prod'])
    expect([...fake.apiKeys.values()].map((k) => k.tags['xfn:stage'])).toEqual(['prod'])
    expect([...fake.params.keys()]).toEqual(['/xfn/shop/prod/api-key', '/xfn/shop/prod/releases/r1'])
    expect(fake.mappings.size).toBe(1)
    fake.reset()
    const again = await planDestroy(clients, await resolveTarget(clients, 'shop', 'dev'))
    expect(again.changes).toEqual([])
  })

  it('describes the plan of a dry run, one line per change, without changing anything', async () => {
    const clients = createAwsClients({ region })
    const plan = await planDeploy(clients, everyKindBuild(), await resolveTarget(clients, 'shop', 'dev'))
    expect(fake.mutatingCalls()).toEqual([])
    const lines = plan.changes.map(describeChange)
    expect(lines).toContain("+ create role shop-dev-fulfil: execution role of function 'fulfil'")
    expect(lines).toContain("+ create function shop-dev-fulfil: queue function 'fulfil'")
    expect(lines).toContain('+ create method POST /orders: to createOrder, key required')
    expect(lines.filter((l) => l.startsWith('+')).length).toBe(lines.length)
    expect(lines).toMatchSnapshot()
  })

  it('describes what is deployed: functions, endpoint, queues, buckets and schedules', async () => {
    await deploy(everyKindBuild())
    Object.assign(fake.queues.get('shop-dev-orders')?.attributes ?? {}, { ApproximateNumberOfMessages: '3' })
    const clients = createAwsClients({ region })
    const status = await describeDeployed(clients, await resolveTarget(clients, 'shop', 'dev'))
    expect(status.functions.map((f) => `${f.function} ${f.state} ${f.memoryMb}`)).toEqual([
      'audit Active 256',
      'createOrder Active 256',
      'fulfil Active 256',
      'getOrder Active 256',
      'nightly Active 256',
    ])
    expect(status.baseUrl).toMatch(/^https:\/\/rest\d+\.execute-api\.eu-west-1\.amazonaws\.com\/dev$/)
    expect(status.queues).toEqual([
      { name: 'shop-dev-orders', waiting: 3, inFlight: 0, delayed: 0 },
      { name: 'shop-dev-orders-dlq', waiting: 0, inFlight: 0, delayed: 0 },
    ])
    expect(status.schedules).toEqual([{ name: 'shop-dev-nightly', expression: 'cron(0 2 * * ? *)' }])
    expect(status.buckets).toHaveLength(1)
  })
})
