import { randomUUID } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs'
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import {
  createRouter,
  type FunctionDefinition,
  type HttpTrigger,
  hashApiKey,
  type Manifest,
  type ManifestFunction,
  parseRoute,
} from '@xfn/core'
import { mockClient } from 'aws-sdk-client-mock'
import {
  capture,
  lambdaContext,
  restEvent,
  v2Event,
} from '../../../adapters/aws/src/runtime/__fixtures__/events.js'
import { encodeS3Key } from '../../../adapters/aws/src/runtime/s3.js'
import { type AppName, conformanceSecret } from '../scenarios.js'
import { EmulatedTopics } from './aws-topics.js'
import {
  appKey,
  copyApp,
  type Driver,
  freshWorkDir,
  normalCookie,
  type Observed,
  requestBody,
  requestHeaders,
  xfn,
} from './driver.js'

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>
interface Loaded {
  readonly manifest: Manifest
  readonly handlers: Record<string, Handler>
}
interface SqsMessage {
  readonly id: string
  readonly body: string
  receives: number
}

const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/conformance-jobs'
const secretParameter = '/xfn/conformance/test/secrets/signing-key'

/**
 * AWS, as Lambda runs the built bundle (`xfn build --cloud aws`): each HTTP request as an API
 * Gateway REST event, an HTTP API event and a Function URL event, routed as the deployed HTTP
 * API routes (each method and path, ANY per path, $default); SQS batches with partial failures
 * and redelivery up to maxReceiveCount, then the dead-letter queue; S3 records with form-encoded
 * keys, sent only when the notification's prefix and suffix match; EventBridge scheduled events.
 * The queue and bucket clients run against in-memory SQS and S3 behind aws-sdk-client-mock.
 * Topics run on an SNS and SQS emulator (see aws-topics.ts).
 */
export function awsDriver(): Driver {
  const loaded = new Map<AppName, Loaded>()
  const objects = new Map<string, { body: Uint8Array; contentType: string | undefined }>()
  const sent: SqsMessage[] = []
  const deadLetters: string[] = []
  const sqs = mockClient(SQSClient)
  // Parameter Store, as the deployer leaves it: the app's one secret, a SecureString.
  const ssm = mockClient(SSMClient)
  ssm.on(GetParameterCommand).callsFake((input: { Name?: string; WithDecryption?: boolean }) => {
    if (input.Name !== secretParameter)
      throw Object.assign(new Error('ParameterNotFound'), { name: 'ParameterNotFound' })
    return {
      Parameter: { Name: input.Name, Value: input.WithDecryption ? conformanceSecret : 'AQICAH-encrypted' },
    }
  })
  let work = ''
  let topics: EmulatedTopics | undefined
  const s3 = mockClient(S3Client)

  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries?: { MessageBody?: string }[] }) => {
    for (const entry of input.Entries ?? [])
      sent.push({ id: randomUUID(), body: entry.MessageBody ?? '', receives: 0 })
    return { Successful: [], Failed: [] }
  })
  s3.on(PutObjectCommand).callsFake(
    (input: { Bucket: string; Key: string; Body: Uint8Array; ContentType?: string }) => {
      objects.set(`${input.Bucket}/${input.Key}`, {
        body: Buffer.from(input.Body),
        contentType: input.ContentType,
      })
      return {}
    },
  )
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const found = objects.get(`${input.Bucket}/${input.Key}`)
    if (!found) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' })
    return { Body: { transformToByteArray: async () => found.body }, ContentType: found.contentType }
  })
  s3.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix?: string }) => ({
    Contents: [...objects.keys()]
      .filter((k) => k.startsWith(`${input.Bucket}/${input.Prefix ?? ''}`))
      .map((k) => ({
        Key: k.slice(input.Bucket.length + 1),
        Size: objects.get(k)?.body.byteLength ?? 0,
        ETag: '"e"',
      })),
  }))
  s3.on(DeleteObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    objects.delete(`${input.Bucket}/${input.Key}`)
    return {}
  })

  const results = (before: ReadonlySet<string>) =>
    Object.fromEntries(
      [...objects.entries()]
        .filter(([key]) => key.startsWith('results/') && !before.has(key))
        .map(([key, value]) => [
          key.slice('results/'.length),
          JSON.parse(Buffer.from(value.body).toString('utf8')),
        ]),
    )

  /** Calls a handler with stdout captured, and returns its result and the log lines it wrote. */
  const call = async (handler: Handler, event: unknown, logs: Observed['logs'][number][]) => {
    const write = process.stdout.write.bind(process.stdout)
    let output = ''
    process.stdout.write = ((chunk: string | Uint8Array) => {
      output += chunk.toString()
      return true
    }) as typeof process.stdout.write
    try {
      return await handler(event, lambdaContext(randomUUID(), 30_000))
    } finally {
      process.stdout.write = write
      // The function's log lines are JSON; anything else on stdout is not the function's.
      for (const line of output.split('\n').filter((l) => l.startsWith('{"timestamp"'))) {
        const record = JSON.parse(line) as { level: string; message: string; fields?: unknown }
        logs.push({
          level: record.level.toLowerCase(),
          message: record.message,
          ...(record.fields === undefined ? {} : { fields: record.fields }),
        })
      }
    }
  }

  /** Plays SQS and the event source mapping: batches, partial failures, redelivery, then the DLQ. */
  const drainQueue = async (app: Loaded, logs: Observed['logs'][number][]) => {
    const consumer = app.manifest.functions.find((fn) => fn.trigger.type === 'queue')
    const handler = consumer && app.handlers[consumer.name]
    if (!consumer || !handler || consumer.trigger.type !== 'queue') return
    const spec = app.manifest.queues.find((q) => q.name === (consumer.trigger as { queue: string }).queue)
    const maxReceives = spec?.maxAttempts ?? 5
    while (sent.length > 0) {
      const batch = sent.splice(0, consumer.trigger.batchSize)
      for (const message of batch) message.receives++
      const base = capture<{ Records: Record<string, unknown>[] }>('powertools__sqs-base.json').Records[0]
      const event = {
        Records: batch.map((message) => ({
          ...base,
          messageId: message.id,
          body: message.body,
          attributes: {
            ...(base?.attributes as object),
            ApproximateReceiveCount: String(message.receives),
            SentTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:conformance-jobs',
        })),
      }
      let failed: Set<string>
      try {
        const answer = (await call(handler, event, logs)) as {
          batchItemFailures?: { itemIdentifier: string }[]
        }
        failed = new Set((answer?.batchItemFailures ?? []).map((f) => f.itemIdentifier))
      } catch {
        failed = new Set(batch.map((m) => m.id))
      }
      for (const message of batch) {
        if (!failed.has(message.id)) continue
        if (message.receives >= maxReceives) deadLetters.push(message.body)
        else sent.push(message)
      }
    }
  }

  /** Plays the event source mapping of each topic subscription's queue (see aws-topics.ts). */
  const drainTopics = (app: Loaded, logs: Observed['logs'][number][]) => {
    const batchSizes = new Map(
      app.manifest.functions.flatMap((fn) =>
        fn.trigger.type === 'topic' ? [[fn.name, fn.trigger.batchSize] as const] : [],
      ),
    )
    return need(topics, 'topics emulator').drain(batchSizes, async (name, event) => {
      const ids = event.Records.map((r) => String(r.messageId))
      try {
        const answer = (await call(need(app.handlers[name], name), event, logs)) as {
          batchItemFailures?: { itemIdentifier: string }[]
        }
        return new Set((answer?.batchItemFailures ?? []).map((f) => f.itemIdentifier))
      } catch {
        return new Set(ids)
      }
    })
  }

  const need = <T>(found: T | undefined, what: string): T => {
    if (!found) throw new Error(`${what} is not loaded`)
    return found
  }

  return {
    target: 'aws',
    async start(apps) {
      work = freshWorkDir('aws')
      process.env.AWS_REGION = 'eu-west-1'
      process.env.XFN_RESOURCES = JSON.stringify({
        queues: { jobs: { url: queueUrl } },
        buckets: { uploads: { name: 'uploads' }, results: { name: 'results' } },
        secrets: { 'signing-key': { parameter: secretParameter } },
      })
      process.env.XFN_API_KEY_SHA256 = hashApiKey(appKey)
      const built = apps.map((app) => {
        const dir = copyApp(work, app)
        xfn('build', dir, '--cloud', 'aws')
        const build = JSON.parse(readFileSync(join(dir, '.xfn/build/aws/manifest.json'), 'utf8')) as {
          manifest: Manifest
        }
        return { app, dir, manifest: build.manifest }
      })
      const topicsApp = built.find((b) => b.app === 'topics')
      if (topicsApp) {
        topics = await EmulatedTopics.start(topicsApp.manifest)
        const resources = JSON.parse(process.env.XFN_RESOURCES ?? '{}')
        process.env.XFN_RESOURCES = JSON.stringify({ ...resources, topics: topics.topics })
      }
      // Each bundle reads XFN_RESOURCES as it loads, and registers its app in the process-wide
      // registry, which Lambda gives each app alone: each app gets its own here, put back in
      // place whenever one of its handlers runs.
      const global = globalThis as Record<symbol, unknown>
      const registryKey = Symbol.for('xfn.registry.v1')
      for (const { app, dir, manifest } of built) {
        delete global[registryKey]
        const exported = (await import(
          pathToFileURL(join(dir, '.xfn/build/aws/bundle/index.mjs')).href
        )) as Record<string, Handler>
        const registry = global[registryKey]
        const handlers = Object.fromEntries(
          Object.entries(exported).map(([name, handler]): [string, Handler] => [
            name,
            (event, context) => {
              global[registryKey] = registry
              return handler(event, context)
            },
          ]),
        )
        loaded.set(app, { manifest, handlers })
      }
    },
    async stop() {
      await topics?.stop()
      sqs.restore()
      ssm.restore()
      s3.restore()
      rmSync(work, { recursive: true, force: true })
    },
    async run(scenario) {
      const app = need(loaded.get(scenario.app), `the ${scenario.app} app`)
      const before = new Set(objects.keys())
      const deadBefore = deadLetters.length
      const logs: Observed['logs'][number][] = []
      const settle = async (
        base: Omit<Observed, 'results' | 'deadLettered' | 'logs'>,
        own: Observed['logs'],
      ) => {
        // A queue function may publish, and a topic function may send: drain both until quiet.
        do await drainQueue(app, logs)
        while (scenario.app === 'topics' && (await drainTopics(app, logs)))
        return {
          ...base,
          results: results(before),
          deadLettered:
            scenario.app === 'topics'
              ? await need(topics, 'topics emulator').takeDeadLetters('flaky')
              : deadLetters.slice(deadBefore),
          logs: [...own],
        }
      }
      const { input } = scenario
      if (input.kind === 'http') {
        const name = routeTo(app.manifest, input.method, input.path)
        const handler = app.handlers[name]
        if (!handler) throw new Error(`no handler exported for ${name}`)
        const headers = requestHeaders(input)
        const cookies = headers
          .filter(([n]) => n.toLowerCase() === 'cookie')
          .flatMap(([, v]) => v.split(/;\s*/))
        const body = requestBody(input)
        const isText = body !== undefined && input.bodyHex === undefined
        const spec = {
          method: input.method,
          path: decodeURIComponent(input.path),
          query: (input.query ?? []).map(([k, v]) => [k, v] as [string, string]),
          headers: headers.filter(([n]) => n.toLowerCase() !== 'cookie'),
          cookies,
          ...(body === undefined ? {} : { body: isText ? Buffer.from(body).toString('utf8') : body }),
        }
        const observed: Observed[] = []
        const forms = [
          ['rest', restEvent(spec)],
          ['http-api', v2Event(spec)],
          ['function-url', v2Event(spec, 'function-url')],
        ] as const
        for (const [via, event] of forms) {
          const own: Observed['logs'][number][] = []
          const answer = (await call(handler, event, own)) as NativeResult
          observed.push(await settle({ via, ...fromNative(answer) }, own))
          if (scenario.expect.results) break // effects happen once; one form suffices
        }
        return observed
      }
      if (input.kind === 'queue') {
        for (const body of input.bodies) sent.push({ id: randomUUID(), body, receives: 0 })
        return [await settle({ via: 'sqs' }, logs)]
      }
      if (input.kind === 'timer') {
        // EventBridge's `time` is the scheduled minute; the invocation follows within seconds.
        const scheduled = new Date(Math.floor(Date.now() / 60_000) * 60_000)
        const event = {
          ...capture('powertools__aws-cloudwatch-scheduled-event.json'),
          time: scheduled.toISOString().replace('.000', ''),
        }
        const handler = app.handlers[input.function]
        if (handler) await call(handler, event, logs)
        return [await settle({ via: 'eventbridge' }, logs)]
      }
      if (input.kind === 'publish') {
        const event = v2Event({
          method: 'POST',
          path: '/publish',
          headers: [['content-type', 'application/json']],
          body: JSON.stringify({ message: input.message, attributes: input.attributes }),
        })
        const answer = (await call(need(app.handlers.publish, 'publish'), event, logs)) as NativeResult
        return [await settle({ via: 'http-api', ...fromNative(answer) }, logs)]
      }
      const body = Buffer.from(input.body)
      if (input.type === 'created') objects.set(`uploads/${input.key}`, { body, contentType: undefined })
      else objects.delete(`uploads/${input.key}`)
      for (const fn of app.manifest.functions) {
        const { trigger } = fn
        if (trigger.type !== 'blob' || !trigger.events.includes(input.type)) continue
        if (!input.key.startsWith(trigger.prefix) || !input.key.endsWith(trigger.suffix)) continue
        const record = capture<{ Records: Record<string, unknown>[] }>('powertools__s3-base.json')
          .Records[0] as {
          s3: { bucket: object; object: object }
        }
        const event = {
          Records: [
            {
              ...record,
              eventName: input.type === 'created' ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
              s3: {
                ...record.s3,
                bucket: { ...record.s3.bucket, name: 'uploads', arn: 'arn:aws:s3:::uploads' },
                object: {
                  ...record.s3.object,
                  key: encodeS3Key(input.key),
                  size: input.type === 'created' ? body.byteLength : undefined,
                },
              },
            },
          ],
        }
        const handler = app.handlers[fn.name]
        if (handler) await call(handler, event, logs)
      }
      return [await settle({ via: 's3' }, logs)]
    },
  }
}

interface NativeResult {
  statusCode: number
  headers?: Record<string, string>
  multiValueHeaders?: Record<string, string[]>
  cookies?: string[]
  body: string
  isBase64Encoded: boolean
}

function fromNative(answer: NativeResult) {
  const headers: Record<string, string> = {}
  let cookies: string[] = answer.cookies ?? []
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    if (name.toLowerCase() === 'set-cookie') cookies = [...cookies, value]
    else headers[name.toLowerCase()] = value
  }
  for (const [name, values] of Object.entries(answer.multiValueHeaders ?? {})) {
    if (name.toLowerCase() === 'set-cookie') cookies = [...values]
    else headers[name.toLowerCase()] = values.join(', ')
  }
  return {
    status: answer.statusCode,
    headers,
    cookies: cookies.map(normalCookie),
    body: Buffer.from(answer.body ?? '', answer.isBase64Encoded ? 'base64' : 'utf8'),
  }
}

/**
 * The function the deployed HTTP API invokes for a request: the function of a matching method and
 * path; else, for a known path, the first function serving it (its ANY route); else the first HTTP
 * function ($default).
 */
function routeTo(manifest: Manifest, method: string, path: string): string {
  const http = manifest.functions.filter(
    (fn): fn is ManifestFunction & { trigger: { type: 'http' } } => fn.trigger.type === 'http',
  )
  const definitions = http.map((fn) => ({
    name: fn.name,
    trigger: { ...fn.trigger, route: parseRoute(fn.trigger.route, fn.name) },
  })) as unknown as FunctionDefinition<HttpTrigger>[]
  const outcome = createRouter(definitions)(method, path)
  if (outcome.status === 'matched') return outcome.fn.name
  const pathOwner = definitions.find(
    (fn) => createRouter([fn])(fn.trigger.methods[0] ?? 'GET', path).status === 'matched',
  )
  return pathOwner?.name ?? http[0]?.name ?? ''
}
