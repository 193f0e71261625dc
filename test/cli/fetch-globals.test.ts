import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { copyOfApp, xfn } from './helpers.js'

/**
 * What a cold start pays for: Node defines `Headers`, `Request` and `Response` as getters that
 * load its whole fetch implementation on first use. Each case runs the built Lambda bundle in a
 * fresh process, as Lambda does, and reports which of those globals were loaded after the first
 * invocation (a getter still in place means not loaded).
 */
const event = (path: string) => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: path,
  rawQueryString: '',
  headers: { host: 'abc.lambda-url.us-east-1.on.aws', 'user-agent': 'curl/8.5.0' },
  requestContext: {
    domainName: 'abc.lambda-url.us-east-1.on.aws',
    http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'curl/8.5.0' },
    requestId: 'r-1',
    routeKey: '$default',
    stage: '$default',
  },
  isBase64Encoded: false,
})

const probe = `
const notLoaded = () => ['Headers', 'Request', 'Response'].filter((name) => typeof Object.getOwnPropertyDescriptor(globalThis, name)?.get === 'function')
const before = notLoaded()
const [bundle, name, event] = process.argv.slice(2)
const handlers = await import(bundle)
const result = await handlers[name](JSON.parse(event), { awsRequestId: 'r-1', functionName: name, getRemainingTimeInMillis: () => 3000 })
console.log(JSON.stringify({ before, after: notLoaded(), result }))
`

let bundle: string
let probeFile: string
beforeAll(() => {
  const dir = copyOfApp('fetch-globals', 'fetch-globals')
  const built = xfn('build', dir, '--cloud', 'aws')
  expect(built.code, built.stderr).toBe(0)
  bundle = pathToFileURL(join(dir, '.xfn/build/aws/bundle/index.mjs')).href
  probeFile = join(dir, 'probe.mjs')
  writeFileSync(probeFile, probe)
}, 60_000)

function firstInvocation(name: string, path: string) {
  const run = spawnSync(process.execPath, [probeFile, bundle, name, JSON.stringify(event(path))], {
    encoding: 'utf8',
  })
  expect(run.status, run.stderr).toBe(0)
  return JSON.parse(run.stdout) as {
    before: string[]
    after: string[]
    result: { statusCode: number; headers: Record<string, string>; body: string }
  }
}

describe('the fetch globals on a cold start', () => {
  it('are not loaded by a handler that returns a plain result and reads only its parameters', () => {
    const { before, after, result } = firstInvocation('plain', '/plain/ada')
    expect(before).toEqual(['Headers', 'Request', 'Response'])
    expect(after).toEqual(['Headers', 'Request', 'Response'])
    expect(JSON.parse(result.body)).toEqual({ hello: 'ada' })
  })

  it('give a handler that uses its request as one a Request, with its headers', () => {
    const { result } = firstInvocation('asRequest', '/as-request')
    expect(JSON.parse(result.body)).toEqual({
      isRequest: true,
      tag: '[object Request]',
      agent: 'curl/8.5.0',
      url: 'https://abc.lambda-url.us-east-1.on.aws/as-request',
    })
  })

  it('give a handler that answers with a Response its status, headers and body', () => {
    const { after, result } = firstInvocation('answer', '/answer')
    expect(after).not.toContain('Response')
    expect(result.statusCode).toBe(201)
    expect(result.headers['x-made']).toBe('yes')
    expect(result.body).toBe('made')
  })
})
