import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { copyOfApp, functionUrlEvent, xfn } from './helpers.js'

/**
 * What a cold start pays for: Node loads its whole fetch implementation (undici, behind the
 * globals `Headers`, `Request` and `Response`) on the first use of any of them. Each case runs the
 * built Lambda bundle in a fresh process, as Lambda does, and reports whether that module was
 * loaded before the import and after the first invocation, from Node's own list of loaded modules.
 */

const probe = `
const loaded = () => process.moduleLoadList.some((name) => name.includes('internal/deps/undici'))
const before = loaded()
const [bundle, name, event] = process.argv.slice(2)
const handlers = await import(bundle)
const result = await handlers[name](JSON.parse(event), { awsRequestId: 'r-1', functionName: name, getRemainingTimeInMillis: () => 3000 })
console.log(JSON.stringify({ before, after: loaded(), result }))
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
  const run = spawnSync(process.execPath, [probeFile, bundle, name, JSON.stringify(functionUrlEvent(path))], {
    encoding: 'utf8',
  })
  expect(run.status, run.stderr).toBe(0)
  return JSON.parse(run.stdout) as {
    before: boolean
    after: boolean
    result: { statusCode: number; headers: Record<string, string>; body: string }
  }
}

describe('the fetch globals on a cold start', () => {
  it('are not loaded by a handler that returns a plain result and reads only its parameters', () => {
    const { before, after, result } = firstInvocation('plain', '/plain/ada')
    expect(before).toBe(false)
    expect(after).toBe(false)
    expect(JSON.parse(result.body)).toEqual({ hello: 'ada' })
  })

  it('give a handler that reads a header a Request, with its headers', () => {
    const { after, result } = firstInvocation('asRequest', '/as-request')
    expect(after).toBe(true)
    expect(JSON.parse(result.body)).toEqual({
      isRequest: true,
      tag: '[object Request]',
      agent: 'curl/8.5.0',
      url: 'https://abc.lambda-url.us-east-1.on.aws/as-request',
    })
  })

  it('give a handler that answers with a Response its status, headers and body', () => {
    const { after, result } = firstInvocation('answer', '/answer')
    expect(after).toBe(true)
    expect(result.statusCode).toBe(201)
    expect(result.headers['x-made']).toBe('yes')
    expect(result.body).toBe('made')
  })
})
