import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bin, copyOfApp, eventually, xfnAsync } from './helpers.js'

/*
 * The CLI against AWS, without AWS: every SDK client is pointed by AWS_ENDPOINT_URL at a server
 * on 127.0.0.1 that answers as an empty account would, and records what it was asked.
 */

const account = '123456789012'
const loggedAt = Date.now() - 60_000
const logLines = [
  'START RequestId: 1f2e Version: $LATEST',
  `{"timestamp":"${new Date(loggedAt + 1).toISOString()}","level":"INFO","requestId":"1f2e","message":"fulfilled","function":"fulfil","fields":{"sku":"tea"}}`,
  'END RequestId: 1f2e',
  'REPORT RequestId: 1f2e\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB\tInit Duration: 171.85 ms\t',
]
const requests: string[] = []
let server: Server
let endpoint: string

function answer(target: string | undefined, method: string, path: string, body: string) {
  const json = (value: unknown, status = 200) => ({
    status,
    type: 'application/x-amz-json-1.1',
    body: JSON.stringify(value),
  })
  const xml = (value: string) => ({ status: 200, type: 'text/xml', body: value })
  if (target) {
    const operation = target.split('.').at(-1) ?? ''
    requests.push(operation)
    if (operation === 'GetCallerIdentity')
      return json({ Account: account, Arn: `arn:aws:iam::${account}:user/ci`, UserId: 'AID' })
    if (operation === 'GetParameter') return json({ __type: 'ParameterNotFound', message: 'not found' }, 400)
    if (operation === 'FilterLogEvents') {
      const group = (JSON.parse(body) as { logGroupName: string }).logGroupName
      if (group !== '/aws/lambda/every-kind-ci-fulfil')
        return json(
          { __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' },
          400,
        )
      return json({
        events: logLines.map((message, i) => ({ eventId: String(i), timestamp: loggedAt + i, message })),
      })
    }
    return json({})
  }
  const action = /Action=(\w+)/.exec(body)?.[1]
  if (action) {
    requests.push(action)
    if (action === 'GetCallerIdentity')
      return xml(
        `<GetCallerIdentityResponse><GetCallerIdentityResult><Account>${account}</Account><Arn>arn:aws:iam::${account}:user/ci</Arn><UserId>AID</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>`,
      )
    return xml(
      `<${action}Response><${action}Result><IsTruncated>false</IsTruncated></${action}Result></${action}Response>`,
    )
  }
  requests.push(`${method} ${path.split('?')[0]}`)
  if (path.startsWith('/2015-03-31/functions')) return json({ Functions: [] })
  if (path.startsWith('/v2/apis')) return json({ items: [] })
  if (/^\/(restapis|apikeys|usageplans)/.test(path)) return json({ item: [] })
  if (method === 'GET' && path.split('?')[0] === '/')
    return xml('<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>')
  return json({ message: `not served: ${method} ${path}` }, 400)
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const reply = answer(
        request.headers['x-amz-target'] as string | undefined,
        request.method ?? 'GET',
        request.url ?? '/',
        body,
      )
      response.writeHead(reply.status, { 'content-type': reply.type }).end(reply.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => server.close())

/** Runs the CLI with a clean AWS environment: no real credentials, profile files or instance metadata. */
function xfn(env: Record<string, string>, ...args: string[]) {
  const home = mkdtempSync(join(tmpdir(), 'xfn-aws-home-'))
  writeFileSync(join(home, 'config'), '')
  writeFileSync(join(home, 'credentials'), '')
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')))
  return xfnAsync(
    {
      env: {
        ...clean,
        AWS_CONFIG_FILE: join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        ...env,
      },
    },
    ...args,
  )
}

const credentials = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' }

describe('xfn deploy --cloud aws', () => {
  it('prints the plan of a dry run against any endpoint, reading only', async () => {
    const app = copyOfApp('every-kind', 'aws-dry-run')
    requests.length = 0
    const result = await xfn(
      { ...credentials, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: endpoint },
      'deploy',
      app,
      '--cloud',
      'aws',
      '--stage',
      'ci',
      '--dry-run',
    )
    expect(result.stderr).not.toMatch(/Error/)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('+ create function every-kind-ci-fulfil: queue function')
    expect(result.stdout).toContain('+ create method POST /orders: to createOrder, key required')
    expect(result.stdout).toContain(
      `Dry run: nothing was changed for every-kind (ci) in eu-west-1, account ${account}.`,
    )
    // Every service was asked, at the custom endpoint, and nothing was changed.
    expect(new Set(requests)).toEqual(
      new Set([
        'GetCallerIdentity',
        'GetParameter',
        'GetParametersByPath',
        'ListRoles',
        'ListQueues',
        'ListTopics',
        'GET /',
        'GET /2015-03-31/functions',
        'ListRules',
        'GET /v2/apis',
        'GET /restapis',
        'GET /apikeys',
        'GET /usageplans',
      ]),
    )
  })

  it('takes the kind of API and the stage from xfn.config.ts', async () => {
    const app = copyOfApp('every-kind', 'aws-config')
    writeFileSync(
      join(app, 'xfn.config.ts'),
      "import { defineConfig } from '@xfn/cli'\nexport default defineConfig({ stage: 'qa', aws: { api: 'http' } })\n",
    )
    const result = await xfn(
      { ...credentials, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: endpoint },
      'deploy',
      app,
      '--cloud',
      'aws',
      '--dry-run',
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('+ create http api every-kind-qa:')
    expect(result.stdout).not.toContain('rest api')
  })

  it('names the environment variables when there are no credentials', async () => {
    const app = copyOfApp('every-kind', 'aws-no-credentials')
    const result = await xfn({ AWS_REGION: 'eu-west-1' }, 'deploy', app, '--cloud', 'aws', '--dry-run')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('No AWS credentials were found')
    expect(result.stderr).toContain('AWS_ACCESS_KEY_ID')
    expect(result.stderr).toContain('--profile')
  })

  it('says how to set a region when there is none', async () => {
    const app = copyOfApp('every-kind', 'aws-no-region')
    const result = await xfn(credentials, 'deploy', app, '--cloud', 'aws', '--dry-run')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('No AWS region is set. Pass --region, set AWS_REGION')
  })

  it('refuses a stage that is not a valid name', async () => {
    const app = copyOfApp('every-kind', 'aws-bad-stage')
    const result = await xfn(credentials, 'deploy', app, '--cloud', 'aws', '--stage', 'Prod-1', '--dry-run')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("--stage: 'Prod-1' is not a valid stage name")
  })
})

describe('xfn status and destroy --cloud aws on an account without the app', () => {
  const env = () => ({ ...credentials, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: endpoint })

  it('says nothing is deployed, and how to deploy', async () => {
    const app = copyOfApp('every-kind', 'aws-status')
    const result = await xfn(env(), 'status', app, '--cloud', 'aws', '--stage', 'ci')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(
      `Nothing of every-kind (ci) in eu-west-1, account ${account} is deployed. Deploy it with: npx xfn deploy ${relative(process.cwd(), app)} --cloud aws --stage ci`,
    )
  })

  it('has nothing to destroy, and changes nothing', async () => {
    const app = copyOfApp('every-kind', 'aws-destroy')
    requests.length = 0
    const result = await xfn(env(), 'destroy', app, '--cloud', 'aws', '--stage', 'ci', '--yes')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Nothing of every-kind (ci) in eu-west-1, account ${account} exists.`)
    expect(requests.every((r) => /^(Get|List|GET )/.test(r))).toBe(true)
  })
})

describe('xfn releases, rollback and history --cloud aws', () => {
  const env = () => ({ ...credentials, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: endpoint })

  it('lists no releases, has none to roll back to, and reads CloudTrail by event source', async () => {
    const app = copyOfApp('every-kind', 'aws-releases')
    const listed = await xfn(env(), 'releases', app, '--cloud', 'aws', '--stage', 'ci')
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain('No releases of every-kind on aws yet; deploy it first.')
    const back = await xfn(env(), 'rollback', app, '--cloud', 'aws', '--stage', 'ci')
    expect(back.code).toBe(2)
    expect(back.stderr).toContain('There is no release before the newest to roll back to;')
    expect(back.stderr).toContain(
      `npx xfn releases ${relative(process.cwd(), app)} --cloud aws --stage ci lists them`,
    )
    requests.length = 0
    const history = await xfn(env(), 'history', app, '--cloud', 'aws', '--stage', 'ci', '--since', '2d')
    expect(history.code).toBe(0)
    expect(history.stdout).toMatch(/^No changes to every-kind on aws since \d{4}-/)
    expect(requests.filter((r) => r === 'LookupEvents')).toHaveLength(8)
  })
})

describe('xfn console --cloud aws', () => {
  it("reads the app's functions and metrics through the target, and refuses queue changes there", async () => {
    const app = copyOfApp('every-kind', 'aws-console')
    const child = spawn(process.execPath, [bin, 'console', app, '--cloud', 'aws', '--stage', 'ci'], {
      env: { ...process.env, ...credentials, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: endpoint },
    })
    let output = ''
    child.stdout?.on('data', (chunk) => {
      output += chunk
    })
    try {
      const url = await eventually(
        () => /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output)?.[1],
        15_000,
      )
      const origin = new URL(url).origin
      const cookie =
        ((await fetch(url, { redirect: 'manual' })).headers.get('set-cookie') ?? '').split(';')[0] ?? ''
      const overview = (await (await fetch(`${origin}/api/overview`, { headers: { cookie } })).json()) as {
        cloud: string
        functions: { name: string }[]
      }
      expect(overview.cloud).toBe('aws')
      expect(overview.functions.map((f) => f.name)).toContain('fulfil')
      requests.length = 0
      expect((await fetch(`${origin}/api/metrics`, { headers: { cookie } })).status).toBe(200)
      expect(requests).toContain('GetMetricData')
      const token =
        /name="xfn-token" content="([^"]+)"/.exec(
          await (await fetch(`${origin}/`, { headers: { cookie } })).text(),
        )?.[1] ?? ''
      const refused = await fetch(`${origin}/api/queues/orders/redrive`, {
        method: 'POST',
        headers: { cookie, 'x-xfn-token': token },
      })
      expect(refused.status).toBe(400)
      expect(((await refused.json()) as { error: string }).error).toBe(
        "The console re-drives queues on the local cloud only: on aws, the cloud's own tools do, with permissions the console does not ask for.",
      )
    } finally {
      child.kill('SIGINT')
    }
  })
})

describe('xfn logs --cloud aws', () => {
  it("reads every function's log group at the endpoint, a group not yet made being no error", async () => {
    const app = copyOfApp('every-kind', 'aws-logs')
    const result = await xfn(
      { ...credentials, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: endpoint },
      'logs',
      '--project',
      app,
      '--cloud',
      'aws',
      '--stage',
      'ci',
      '--no-color',
    )
    expect(result.stderr).not.toMatch(/Error/)
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(/aws\/fulfil\s+INFO\s+1f2e\s+\[platform\] start$/)
    expect(lines[1]).toContain('aws/fulfil               INFO  1f2e  fulfilled {"sku":"tea"}')
    expect(lines[3]).toContain('[platform] report: 12.5 ms, 80/256 MB, cold start 171.85 ms')
  })
})
