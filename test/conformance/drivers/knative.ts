import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { hashApiKey, type Manifest } from '@xfn/core'
import { CloudEvent, HTTP } from 'cloudevents'
import { type FauxqsServer, startFauxqs } from 'fauxqs'
import { encodeS3Key } from '../../../adapters/aws/src/runtime/s3.js'
import { desiredObjects, type KubeObject } from '../../../adapters/knative/src/deploy/manifests.js'
import { namespaceOf } from '../../../adapters/knative/src/names.js'
import { blobCloudEvent, eventOf, messageCloudEvent } from '../../../adapters/knative/src/runtime/events.js'
import { pingType } from '../../../adapters/knative/src/runtime/paths.js'
import { parseLogLine } from '../../../adapters/knative/src/target.js'
import { type AppName, conformanceSecret, type Scenario } from '../scenarios.js'
import {
  appKey,
  copyApp,
  type Driver,
  freshWorkDir,
  normalCookie,
  type Observed,
  pathWithQuery,
  requestBody,
  requestHeaders,
  until,
  xfn,
} from './driver.js'

/*
 * Knative, played on 127.0.0.1. Each app is built with `xfn build --cloud knative`, and its
 * container entry (the bundle the image runs) is started with plain `node`, as the container runs
 * it, with the environment the deployer's manifests give it. What Knative Eventing does is played
 * by a broker stand-in that follows the Knative delivery specification: it takes CloudEvents at its
 * ingress (read by the CNCF CloudEvents SDK), gives each to every Trigger whose filter attributes
 * match exactly, retries a delivery that fails (5xx, 404, 408, 409, 429, or no answer) `retry`
 * times with exponential backoff, then sends the event to the dead-letter sink with the
 * `knativeerror*` extensions. The Triggers, PingSources and environment are those the deployer
 * makes (desiredObjects); backoff runs at a twentieth of its time so the suite stays quick. Buckets
 * live in fauxqs, an S3 emulator nobody on the team wrote, which the entry reaches through its
 * S3 client as it would any S3-compatible store.
 */

const timeScale = 0.05
const storage = { endpoint: '', region: 'us-east-1', bucketPrefix: '' }

interface Running {
  readonly name: AppName
  readonly manifest: Manifest
  readonly objects: readonly KubeObject[]
  readonly url: string
  readonly process: ChildProcess
  readonly lines: string[]
  readonly buckets: Readonly<Record<string, string>>
  /** The store's bucket where the entry keeps dead letters. */
  readonly deadLetters: string
}

export function knativeDriver(): Driver {
  const running = new Map<AppName, Running>()
  let work = ''
  let store: FauxqsServer | undefined
  let s3: S3Client | undefined
  let broker: Server | undefined
  const inFlight = new Set<Promise<void>>()

  const need = (app: AppName) => {
    const found = running.get(app)
    if (!found) throw new Error(`the ${app} app is not running`)
    return found
  }

  /** The broker's ingress: each event to every matching Trigger of the app whose broker it is. */
  const ingest = (event: CloudEvent<unknown>) => {
    for (const app of running.values())
      for (const trigger of app.objects.filter((o) => o.kind === 'Trigger')) {
        const spec = trigger.spec as TriggerSpec
        const attributes = event as unknown as Record<string, unknown>
        if (!Object.entries(spec.filter.attributes).every(([k, v]) => attributes[k] === v)) continue
        const delivery = deliver(app, spec, event).finally(() => inFlight.delete(delivery))
        inFlight.add(delivery)
      }
  }

  return {
    target: 'knative',
    async start(apps) {
      work = freshWorkDir('knative')
      store = await startFauxqs({ port: 0, logger: false } as never)
      storage.endpoint = `http://127.0.0.1:${store.port}`
      s3 = new S3Client({
        endpoint: storage.endpoint,
        region: storage.region,
        forcePathStyle: true,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      })
      broker = createServer((req, res) => {
        const chunks: Buffer[] = []
        req.on('data', (c: Buffer) => chunks.push(c))
        req.on('end', () => {
          try {
            ingest(eventOf(req.headers, Buffer.concat(chunks)))
            res.writeHead(202).end()
          } catch (error) {
            res.writeHead(400).end(String(error))
          }
        })
      })
      await new Promise<void>((resolve) => broker?.listen(0, '127.0.0.1', resolve))
      const brokerUrl = `http://127.0.0.1:${(broker.address() as AddressInfo).port}/`
      for (const app of apps) running.set(app, await startApp(app, brokerUrl))
    },
    async stop() {
      await Promise.allSettled([...inFlight])
      for (const app of running.values()) app.process.kill()
      broker?.close()
      await store?.stop()
      rmSync(work, { recursive: true, force: true })
    },
    async run(scenario) {
      const app = need(scenario.app)
      const since = { results: await keysOf(app.buckets.results), deadLetters: await keysOf(app.deadLetters) }
      const logFrom = app.lines.length
      const { input } = scenario
      let base: Omit<Observed, 'results' | 'deadLettered' | 'logs'> = { via: input.kind }
      if (input.kind === 'http' || input.kind === 'publish') {
        const body =
          input.kind === 'http'
            ? requestBody(input)
            : JSON.stringify({ message: input.message, attributes: input.attributes })
        const response = await fetch(
          `${app.url}${input.kind === 'http' ? pathWithQuery(input) : '/publish'}`,
          {
            method: input.kind === 'http' ? input.method : 'POST',
            headers: input.kind === 'http' ? requestHeaders(input) : { 'content-type': 'application/json' },
            ...(body ? { body } : {}),
          },
        )
        const headers: Record<string, string> = {}
        response.headers.forEach((value, name) => {
          if (name !== 'set-cookie') headers[name] = value
        })
        base = {
          via: 'http',
          status: response.status,
          headers,
          cookies: response.headers.getSetCookie().map(normalCookie),
          body: new Uint8Array(await response.arrayBuffer()),
        }
      }
      if (input.kind === 'queue')
        for (const body of input.bodies)
          ingest(messageCloudEvent(app.manifest.app, { queue: input.queue ?? 'jobs' }, body))
      if (input.kind === 'timer') await tick(app, input.function)
      if (input.kind === 'blob') await blobEvent(app, input.type, input.key, input.body)
      return [await settle(app, scenario, since, logFrom, base)]
    },
  }

  async function startApp(name: AppName, brokerUrl: string): Promise<Running> {
    const dir = copyApp(work, name)
    xfn('build', dir, '--cloud', 'knative')
    const buildDir = join(dir, '.xfn', 'build', 'knative')
    const { manifest } = JSON.parse(readFileSync(join(buildDir, 'manifest.json'), 'utf8')) as {
      manifest: Manifest
    }
    const place = {
      app: manifest.app,
      stage: 'conformance',
      namespace: namespaceOf(manifest.app, 'conformance'),
    }
    const prefixed = { ...storage, bucketPrefix: `${name}` }
    const objects = desiredObjects({
      place,
      manifest,
      image: 'registry.invalid/app@sha256:0',
      brokerClass: 'MTChannelBasedBroker',
      env: {},
      storage: prefixed,
      apiKey: { key: appKey, sha256: hashApiKey(appKey) },
    })
    const services = objects.filter((o) => o.kind === 'Service')
    // One process runs the app's functions, with the union of its Services' environments.
    const env: Record<string, string> = {}
    for (const service of services)
      for (const variable of containerOf(service).env)
        if (variable.value !== undefined)
          env[variable.name] = variable.name === 'XFN_FUNCTIONS' ? '' : variable.value
    env.XFN_BROKER_URL = brokerUrl
    env.XFN_API_KEY_SHA256 = hashApiKey(appKey)
    const watched = new Set(
      services.flatMap((s) =>
        (containerOf(s).env.find((e) => e.name === 'XFN_WATCHED_BUCKETS')?.value ?? '')
          .split(',')
          .filter(Boolean),
      ),
    )
    env.XFN_WATCHED_BUCKETS = [...watched].join(',')
    // The entry makes each bucket at its first write, as on a cluster whose store the deployer cannot reach.
    const buckets = JSON.parse(env.XFN_BUCKETS ?? '{}') as Record<string, string>
    const deadLetters = env.XFN_DEAD_LETTERS_BUCKET as string
    const secrets = join(dir, 'secrets')
    mkdirSync(secrets, { recursive: true })
    writeFileSync(join(secrets, 'signing-key'), conformanceSecret)
    const child = spawn(process.execPath, [join(buildDir, 'bundle', 'index.mjs')], {
      env: {
        PATH: process.env.PATH,
        ...env,
        PORT: '0',
        XFN_SECRETS_DIR: secrets,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        NODE_NO_WARNINGS: '1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const lines: string[] = []
    let pending = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk
      const parts = pending.split('\n')
      pending = parts.pop() ?? ''
      lines.push(...parts)
    })
    const url = await listeningUrl(child)
    return { name, manifest, objects, url, process: child, lines, buckets, deadLetters }
  }

  /** Delivers an event to a Trigger's subscriber as the Knative delivery spec says. */
  async function deliver(app: Running, spec: TriggerSpec, event: CloudEvent<unknown>): Promise<void> {
    const attempts = 1 + (spec.delivery?.retry ?? 0)
    const delayMs = durationMs(spec.delivery?.backoffDelay ?? 'PT0S') * timeScale
    let last: { status: number; body: string } = { status: 0, body: '' }
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) {
        const wait =
          spec.delivery?.backoffPolicy === 'linear' ? delayMs * attempt : delayMs * 2 ** (attempt - 1)
        await new Promise((resolve) => setTimeout(resolve, wait))
      }
      last = await post(`${app.url}${spec.subscriber.uri}`, event)
      if (last.status >= 200 && last.status < 300) return
      if (!(last.status === 0 || last.status >= 500 || [404, 408, 409, 429].includes(last.status))) break
    }
    const sink = spec.delivery?.deadLetterSink
    if (!sink) return
    const dead = event.cloneWith({
      knativeerrordest: `${app.url}${spec.subscriber.uri}`,
      knativeerrorcode: String(last.status),
      knativeerrordata: Buffer.from(last.body).toString('base64'),
    })
    await post(`${app.url}${sink.uri}`, dead)
  }

  async function tick(app: Running, functionName: string) {
    const source = app.objects.find(
      (o) => o.kind === 'PingSource' && (o.spec as PingSpec).sink.uri.endsWith(`/${functionName}`),
    )
    if (!source) throw new Error(`no PingSource for ${functionName}`)
    const spec = source.spec as PingSpec
    // As the PingSource adapter makes it (eventing, pkg/adapter/mtping/runner.go): its type, its
    // source, the spec's data and content type, a new id; the SDK adds the time it is sent.
    await post(
      `${app.url}${spec.sink.uri}`,
      new CloudEvent({
        type: pingType,
        source: `/apis/v1/namespaces/${source.metadata.namespace}/pingsources/${source.metadata.name}`,
        datacontenttype: spec.contentType,
        data: JSON.parse(spec.data),
      }),
    )
  }

  async function blobEvent(app: Running, type: 'created' | 'deleted', key: string, body: string) {
    const bucket = app.buckets.uploads as string
    const record = (eventName: string, size?: number) => ({
      eventVersion: '2.1',
      eventSource: 'xfn:s3',
      awsRegion: storage.region,
      eventTime: new Date().toISOString(),
      eventName,
      responseElements: { 'x-amz-request-id': crypto.randomUUID(), 'x-amz-id-2': 'conformance' },
      s3: {
        bucket: { name: bucket },
        object: { key: encodeS3Key(key), ...(size === undefined ? {} : { size }) },
      },
    })
    // The writer plays xfn's bucket client, which makes the bucket at its first write.
    if ((await keysOf(bucket)).size === 0)
      await s3?.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: { name?: string }) => {
        if (error.name !== 'BucketAlreadyOwnedByYou') throw error
      })
    await s3?.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
    if (type === 'created')
      return ingest(blobCloudEvent(record('ObjectCreated:Put', Buffer.byteLength(body)), 'uploads'))
    await s3?.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
    ingest(blobCloudEvent(record('ObjectRemoved:Delete'), 'uploads'))
  }

  /** The keys of a bucket of the store; none while the entry has not made it. */
  async function keysOf(bucket: string | undefined): Promise<Set<string>> {
    if (!bucket) return new Set()
    try {
      const listed = await s3?.send(new ListObjectsV2Command({ Bucket: bucket }))
      return new Set((listed?.Contents ?? []).map((o) => o.Key ?? ''))
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchBucket') return new Set()
      throw error
    }
  }

  /** The objects written to a bucket since `before` was listed, parsed as JSON, by key. */
  async function objectsSince(bucket: string | undefined, before: ReadonlySet<string>) {
    const out: Record<string, unknown> = {}
    for (const key of [...(await keysOf(bucket))].sort()) {
      if (before.has(key)) continue
      const object = await s3?.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      out[key] = JSON.parse((await object?.Body?.transformToString()) ?? 'null')
    }
    return out
  }

  /** Waits for what the scenario expects (or its time), and for the broker to finish, then reports. */
  async function settle(
    app: Running,
    scenario: Scenario,
    before: { results: ReadonlySet<string>; deadLetters: ReadonlySet<string> },
    logFrom: number,
    base: Omit<Observed, 'results' | 'deadLettered' | 'logs'>,
  ): Promise<Observed> {
    const wanted = Object.keys(scenario.expect.results ?? {})
    // What the entry kept in the store's dead-letters bucket, oldest first.
    const deadLettered = async () =>
      Object.values(await objectsSince(app.deadLetters, before.deadLetters)).map((kept) =>
        String((kept as { body: string }).body),
      )
    await until(async () => {
      const results = await objectsSince(app.buckets.results, before.results)
      return (
        inFlight.size === 0 &&
        wanted.every((key) => key in results) &&
        (await deadLettered()).length >= (scenario.expect.deadLettered?.length ?? 0)
      )
    }, 20_000)
    if (wanted.length === 0 && scenario.input.kind !== 'http')
      await new Promise((resolve) => setTimeout(resolve, 500))
    await Promise.allSettled([...inFlight])
    await new Promise((resolve) => setTimeout(resolve, 50))
    const logs = app.lines
      .slice(logFrom)
      .map(parseLogLine)
      .filter((e) => e?.kind === 'app')
      .map((e) => ({
        level: e?.level as string,
        message: e?.message as string,
        ...(e?.fields ? { fields: e.fields } : {}),
      }))
    return {
      ...base,
      results: await objectsSince(app.buckets.results, before.results),
      deadLettered: await deadLettered(),
      logs,
    }
  }
}

interface TriggerSpec {
  readonly filter: { readonly attributes: Readonly<Record<string, string>> }
  readonly subscriber: { readonly uri: string }
  readonly delivery?: {
    readonly retry?: number
    readonly backoffPolicy?: 'linear' | 'exponential'
    readonly backoffDelay?: string
    readonly deadLetterSink?: { readonly uri: string }
  }
}

interface PingSpec {
  readonly contentType: string
  readonly data: string
  readonly sink: { readonly uri: string }
}

function containerOf(service: KubeObject): { env: { name: string; value?: string }[] } {
  const spec = service.spec as {
    template: { spec: { containers: { env: { name: string; value?: string }[] }[] } }
  }
  return spec.template.spec.containers[0] as { env: { name: string; value?: string }[] }
}

/** An ISO 8601 duration of seconds (`PT1S`, `PT0.5S`) in milliseconds. */
function durationMs(text: string): number {
  const match = /^PT(\d+(?:\.\d+)?)S$/.exec(text)
  return match ? Number(match[1]) * 1000 : 0
}

async function post(url: string, event: CloudEvent<unknown>): Promise<{ status: number; body: string }> {
  const message = HTTP.binary(event)
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: message.headers as Record<string, string>,
      body: message.body as string,
    })
    return { status: response.status, body: await response.text() }
  } catch {
    return { status: 0, body: '' }
  }
}

/** The entry's URL, once it listens: the port comes from the address it reports. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the container entry did not start within 15 s')), 15_000)
    child.once('exit', (code) => reject(new Error(`the container entry exited with ${code}`)))
    child.stdout?.on('data', function onData(chunk: string) {
      const match = /"listening":"(http:\/\/[^"]+)"/.exec(String(chunk))
      if (!match) return
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      resolve(match[1] as string)
    })
  })
}
