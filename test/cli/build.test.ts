import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  registrations,
  resetRegistrations,
  triggerOf,
} from '../../adapters/azure/src/runtime/__fixtures__/host.js'
import { copyOfApp } from './helpers.js'

const bin = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url))
const appDir = (name: string) => fileURLToPath(new URL(`../apps/${name}`, import.meta.url))
const captures = fileURLToPath(new URL('../fixtures/captures/aws/', import.meta.url))
const capture = (name: string) => JSON.parse(readFileSync(join(captures, name), 'utf8'))

function xfn(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })
  // oclif wraps errors to the terminal's width behind ' › '; read them as one line.
  const stderr = result.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')
  return { code: result.status, stdout: result.stdout, stderr }
}

interface BuildManifest {
  schema: string
  cloud: string
  artifacts: { path: string; sha256: string; bytes: number }[]
  functions: { name: string; handler: string; artifact: string; trigger: { type: string } }[]
}

function build(cloud: string, name = 'one-of-each'): BuildManifest {
  const result = xfn('build', appDir(name), '--cloud', cloud, '--json')
  if (result.code !== 0) throw new Error(`xfn build failed: ${result.stderr}`)
  return JSON.parse(result.stdout)
}

const lambdaContext = { awsRequestId: 'req-1', functionName: 'f', getRemainingTimeInMillis: () => 3000 }

describe('a require of its own, only for bundles that need one', () => {
  it('gives a bundle whose CommonJS dependency calls require one, and none to a bundle without', () => {
    build('aws', 'commonjs-dep')
    const folder = join(appDir('commonjs-dep'), '.xfn/build/aws/bundle')
    expect(readFileSync(join(folder, 'index.mjs'), 'utf8')).toContain('createRequire')
    // In a process of its own, as Lambda runs it, so its functions join no other test's app.
    const event = { ...capture('aws-lambda-go__apigw-v2-request-jwt-authorizer.json'), rawPath: '/join/a/b' }
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const b = await import(${JSON.stringify(pathToFileURL(join(folder, 'index.mjs')).href)}); console.log((await b.join(${JSON.stringify(event)}, { awsRequestId: 'r' })).body)`,
      ],
      { encoding: 'utf8' },
    )
    expect(run.stdout.trim(), run.stderr).toBe('a/b')
    build('aws', 'one-of-each')
    const plain = readFileSync(join(appDir('one-of-each'), '.xfn/build/aws/bundle/index.mjs'), 'utf8')
    expect(plain).not.toContain('createRequire')
  })
})

describe('xfn build --cloud aws', () => {
  let built: BuildManifest
  beforeAll(() => {
    built = build('aws')
  })

  it('writes one zip and a manifest naming each handler', () => {
    expect(built.schema).toBe('xfn.build/1')
    expect(built.artifacts.map((a) => a.path)).toEqual(['function.zip'])
    expect(built.functions.map((f) => [f.name, f.handler])).toEqual([
      ['audit', 'index.audit'],
      ['echo', 'index.echo'],
      ['tick', 'index.tick'],
      ['work', 'index.work'],
    ])
    const onDisk = JSON.parse(
      readFileSync(join(appDir('one-of-each'), '.xfn/build/aws/manifest.json'), 'utf8'),
    )
    expect(onDisk.artifacts).toEqual(built.artifacts)
  })

  it('exports handlers that answer captured events', async () => {
    const bundle = await import(
      pathToFileURL(join(appDir('one-of-each'), '.xfn/build/aws/bundle/index.mjs')).href
    )
    const http = await bundle.echo(
      capture('aws-lambda-go__apigw-v2-request-jwt-authorizer.json'),
      lambdaContext,
    )
    expect(http.statusCode).toBe(200)
    expect(JSON.parse(http.body)).toMatchObject({ method: 'GET', path: 'my/path' })
    const rest = await bundle.echo(capture('powertools__apigw-rest-no-auth.json'), lambdaContext)
    expect(JSON.parse(rest.body)).toMatchObject({ method: 'POST', path: 'no-auth' })
    expect(await bundle.work(capture('powertools__sqs-base.json'), lambdaContext)).toEqual({
      batchItemFailures: [],
    })
    await expect(
      bundle.audit(capture('aws-lambda-go__s3-event.json'), lambdaContext),
    ).resolves.toBeUndefined()
    await expect(
      bundle.tick(capture('powertools__aws-cloudwatch-scheduled-event.json'), lambdaContext),
    ).resolves.toBeUndefined()
  })

  it('gives the same bytes on a second build', () => {
    const again = build('aws')
    expect(again.artifacts).toEqual(built.artifacts)
  })
})

describe('xfn build --cloud azure', () => {
  let built: BuildManifest
  const folder = () => join(appDir('one-of-each'), '.xfn/build/azure/app')
  beforeAll(() => {
    built = build('azure')
  })

  it('writes a Function App folder with host.json, package.json and the bundle, and its zip', () => {
    expect(built.artifacts.map((a) => a.path)).toEqual(['app.zip'])
    const host = JSON.parse(readFileSync(join(folder(), 'host.json'), 'utf8'))
    expect(host).toMatchObject({
      version: '2.0',
      extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle' },
      extensions: {
        http: { routePrefix: '' },
        queues: {
          maxDequeueCount: 3,
          visibilityTimeout: '00:05:00',
          batchSize: 5,
          messageEncoding: 'base64',
        },
      },
    })
    const pkg = JSON.parse(readFileSync(join(folder(), 'package.json'), 'utf8'))
    expect(pkg.main).toBe('dist/index.mjs')
    expect(existsSync(join(folder(), pkg.main))).toBe(true)
  })

  it('registers every function when the worker loads package.json main', async () => {
    resetRegistrations()
    const pkg = JSON.parse(readFileSync(join(folder(), 'package.json'), 'utf8'))
    await import(pathToFileURL(join(folder(), pkg.main)).href)
    expect(registrations.map((r) => r.metadata.name).sort()).toEqual([
      'audit',
      'echo',
      'tick',
      'work',
      'xfnUnrouted',
    ])
    expect(triggerOf('echo')).toMatchObject({
      type: 'httpTrigger',
      route: '{*path}',
      methods: ['GET', 'POST', 'HEAD'],
    })
    expect(triggerOf('work')).toMatchObject({ type: 'queueTrigger', queueName: 'jobs' })
    expect(triggerOf('tick')).toMatchObject({ type: 'timerTrigger', schedule: '0 0-59/5 * * * *' })
    expect(triggerOf('audit')).toMatchObject({ type: 'blobTrigger', path: 'files/in/{name}' })
  })

  it("maps a handler's stack trace to the app's source file, as the worker loads it", () => {
    // A plain Node process plays the host (vitest maps stacks itself, which would hide a miss).
    const host = [
      "import Module from 'node:module'",
      'const handlers = {}',
      'const disposable = { dispose() {} }',
      'const core = {',
      '  registerFunction(metadata, handler) { handlers[metadata.name] = handler; return disposable },',
      '  registerHook: () => disposable, setProgrammingModel() {}, getProgrammingModel() {}, log() {},',
      '}',
      'const require = Module.prototype.require',
      "Module.prototype.require = function (id) { return id === '@azure/functions-core' ? core : require.call(this, id) }",
      'await import(process.argv[1])',
      "const invocation = { invocationId: 'inv-1', triggerMetadata: {}, info() {}, error() {} }",
      "await handlers.work('poison', invocation).catch((error) => console.log(error.stack))",
    ].join('\n')
    const stackOf = (module: string) =>
      spawnSync(
        process.execPath,
        ['--input-type=module', '-e', host, pathToFileURL(join(folder(), module)).href],
        {
          encoding: 'utf8',
        },
      ).stdout
    const pkg = JSON.parse(readFileSync(join(folder(), 'package.json'), 'utf8'))
    expect(stackOf(pkg.main)).toMatch(/Error: poison message\n\s+at .*one-of-each\/src\/index\.ts:10:/)
    // The bundle loaded without the entry: Node does not read its map, so lines are the bundle's.
    expect(stackOf('dist/app.mjs')).toMatch(/Error: poison message\n\s+at .*dist\/app\.mjs:\d+:/)
  })

  it('gives the same bytes on a second build', () => {
    expect(build('azure').artifacts).toEqual(built.artifacts)
  })
})

describe('xfn build --cloud local', () => {
  it('writes the module the local cloud loads', () => {
    const built = build('local')
    expect(built.artifacts.map((a) => a.path)).toEqual(['app.mjs'])
  })
})

describe('reproducible builds', () => {
  it.each(['aws', 'azure', 'local'])(
    'gives %s the same bytes from another folder and another working directory',
    (cloud) => {
      const here = build(cloud)
      const copy = copyOfApp('one-of-each', `reproducible-${cloud}`)
      const elsewhere = spawnSync(process.execPath, [bin, 'build', copy, '--cloud', cloud, '--json'], {
        encoding: 'utf8',
        cwd: tmpdir(),
      })
      expect(elsewhere.status).toBe(0)
      expect(JSON.parse(elsewhere.stdout).artifacts).toEqual(here.artifacts)
    },
  )
})

describe('xfn build with bad input', () => {
  it.each([
    ['syntax-error', /Could not build the app: Expected "\)" but found "const" \(at .*src\/index.ts:4:1\)/],
    [
      'bad-import',
      /Could not build the app: Could not resolve "\.\/missing-helper\.js" \(at .*src\/index.ts:2:24\)/,
    ],
    ['not-portable', /The app cannot be built for aws: .*twiceAMinute.*no seconds field/],
  ])('%s exits 2 with one clear message and leaves no artifact', (name, message) => {
    const result = xfn('build', appDir(name), '--cloud', 'aws')
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    const buildDir = join(appDir(name), '.xfn/build')
    const left = existsSync(buildDir) ? readdirSync(buildDir) : []
    expect(left).toEqual([])
  })

  it('names a missing entry and an unknown cloud', () => {
    expect(xfn('build', appDir('one-of-each'), '--entry', 'src/nope.ts').stderr).toContain(
      'does not exist. Check --entry',
    )
    const unknown = xfn('build', appDir('one-of-each'), '--cloud', 'gcp')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("unknown cloud 'gcp'")
  })
})
