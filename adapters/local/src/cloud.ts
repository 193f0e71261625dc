import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import {
  type BlobEvent,
  type BlobTrigger,
  createRouter,
  type FunctionDefinition,
  guardProvider,
  nextFireTimes,
  parseSchedule,
  previousFireTime,
  type QueueSpec,
  type QueueTrigger,
  Registry,
  type TimerTrigger,
  textMessage,
  timerTick,
  XfnError,
  xfnCommand,
} from '@xfn/core'
import { type BlobChange, BlobStore } from './blobs.js'
import { type HttpApp, readBody, serveHttp } from './http-server.js'
import { runInvocation } from './invoke.js'
import { localResourceProvider } from './provider.js'
import { deadLetterName, QueueStore, type StoredMessage } from './queues.js'
import {
  type CloudInfo,
  type Deployment,
  ensurePrivateFolder,
  readState,
  type StatePaths,
  statePaths,
  writeState,
} from './state.js'
import { currentInvocation, Telemetry } from './telemetry.js'

const registryKey = Symbol.for('xfn.registry.v1')
/** Blob events are tried this many times, as Lambda retries asynchronous invocations. */
const blobAttempts = 3

export interface CloudOptions {
  readonly projectDir: string
  readonly port: number
  readonly host?: string
}

/**
 * The local cloud: one process that serves one project's app over HTTP on 127.0.0.1, consumes
 * its queues from a durable journal, fires its timers, watches its buckets' folders, and records
 * logs and invocations. `deploy` swaps in a new build of the app without losing queued messages.
 */
export class LocalCloud {
  readonly paths: StatePaths
  readonly telemetry: Telemetry
  readonly queues: QueueStore
  readonly blobs: BlobStore
  readonly #server: Server
  readonly #token = randomBytes(24).toString('hex')
  #info: CloudInfo | undefined
  #registry = new Registry()
  #deployment: Deployment | undefined
  #http: HttpApp | undefined
  #generation = 0
  #timers: NodeJS.Timeout[] = []
  #wakers = new Map<string, () => void>()
  #stopped = false

  constructor(readonly options: CloudOptions) {
    this.paths = statePaths(options.projectDir)
    ensurePrivateFolder(this.paths.root)
    this.telemetry = new Telemetry({ logs: this.paths.logs, invocations: this.paths.invocations })
    this.queues = new QueueStore(this.paths.queues, {
      warn: (message) => this.telemetry.platform('cloud', '-', 'warn', message),
    })
    this.blobs = new BlobStore(this.paths.buckets, this.#token)
    this.#server = createServer((req, res) => {
      this.#serve(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'Internal Server Error' }))
        this.telemetry.platform('cloud', '-', 'error', 'request failed', { error: String(error) })
      })
    })
    this.#server.keepAliveTimeout = 5000
  }

  /** Listens, records itself in cloud.json, and serves the deployed app if there is one. */
  async start(): Promise<CloudInfo> {
    const host = this.options.host ?? '127.0.0.1'
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new XfnError(
                'INVALID_OPTIONS',
                `Port ${this.options.port} on ${host} is already in use. Free it, or choose another with --port.`,
              )
            : error,
        )
      })
      this.#server.listen(this.options.port, host, () => resolve())
    })
    const { port } = this.#server.address() as AddressInfo
    this.telemetry.captureConsole()
    this.#info = { pid: process.pid, port, host, token: this.#token, startedAt: new Date().toISOString() }
    const deployment = readState<Deployment>(this.paths.deployment)
    if (deployment) await this.deploy(deployment)
    writeState(this.paths.cloud, this.#info)
    return this.#info
  }

  get info(): CloudInfo {
    if (!this.#info) throw new Error('the local cloud has not started')
    return this.#info
  }

  get baseUrl(): string {
    return `http://${this.info.host}:${this.info.port}`
  }

  /** Loads a build of the app and serves it in place of the one before. */
  async deploy(deployment: Deployment): Promise<void> {
    if (!existsSync(deployment.module)) {
      const redeploy = xfnCommand('deploy')
      throw new XfnError(
        'INVALID_OPTIONS',
        `The deployed module ${deployment.module} is missing. Deploy again: ${redeploy}.`,
        { commands: [redeploy] },
      )
    }
    const registry = new Registry()
    registry.resources.provider = guardProvider(
      localResourceProvider(this.queues, this.blobs, {
        baseUrl: () => this.baseUrl,
        sent: (queue) => this.#wakers.get(queue)?.(),
      }),
      registry.functions,
      () => currentInvocation.getStore()?.function,
    )
    const holder = globalThis as { [registryKey]?: Registry }
    const previous = holder[registryKey]
    holder[registryKey] = registry
    try {
      // A new URL for each build: ES modules cannot be unloaded, so each build is a new module.
      await import(`${pathToFileURL(deployment.module).href}?build=${deployment.sha256}&at=${Date.now()}`)
    } catch (error) {
      holder[registryKey] = previous
      throw new XfnError(
        'APP_LOAD_FAILED',
        `The app failed to load: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      )
    }
    this.#stopWork()
    this.#registry = registry
    this.#deployment = deployment
    this.#http = {
      route: createRouter(registry.functions.values()),
      apiKeyHash: deployment.apiKeySha256,
      telemetry: this.telemetry,
    }
    this.#startWork()
  }

  /** What runs: the app, its functions with their endpoints, and the depth of every queue. */
  status() {
    return {
      ...this.info,
      token: undefined,
      url: this.baseUrl,
      app: this.#deployment?.app,
      deployedAt: this.#deployment?.deployedAt,
      functions: [...this.#registry.functions.values()].map((fn) => ({
        name: fn.name,
        trigger: fn.trigger.type,
        ...(fn.trigger.type === 'http'
          ? {
              methods: fn.trigger.methods,
              endpoint: `${this.baseUrl}${fn.trigger.route.template}`,
              auth: fn.trigger.auth,
            }
          : {}),
        ...(fn.trigger.type === 'queue' ? { queue: fn.trigger.queue } : {}),
        ...(fn.trigger.type === 'timer' ? { schedule: fn.trigger.schedule } : {}),
        ...(fn.trigger.type === 'blob'
          ? { bucket: fn.trigger.bucket, folder: this.blobs.folder(fn.trigger.bucket) }
          : {}),
      })),
      queues: this.queues.depths(),
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#stopWork()
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve())
      this.#server.closeAllConnections()
    })
    this.queues.close()
    this.telemetry.close()
    if (readState<CloudInfo>(this.paths.cloud)?.pid === process.pid) rmSync(this.paths.cloud, { force: true })
  }

  /** Sends messages to a queue as the portable client does. */
  send(queue: string, bodies: readonly string[]): string[] {
    const ids = this.queues.send(
      queue,
      bodies.map((body) => ({ body })),
    )
    this.#wakers.get(queue)?.()
    return ids
  }

  redrive(queue: string): number {
    const moved = this.queues.redrive(queue)
    this.#wakers.get(queue)?.()
    return moved
  }

  #startWork(): void {
    const generation = ++this.#generation
    const functions = [...this.#registry.functions.values()]
    for (const fn of functions) {
      if (fn.trigger.type === 'queue') void this.#consume(fn as FunctionDefinition<QueueTrigger>, generation)
      if (fn.trigger.type === 'timer') this.#schedule(fn as FunctionDefinition<TimerTrigger>, generation)
    }
    const blobFunctions = functions.filter(
      (fn): fn is FunctionDefinition<BlobTrigger> => fn.trigger.type === 'blob',
    )
    const buckets = [...new Set(blobFunctions.map((fn) => fn.trigger.bucket))]
    this.blobs.watch(buckets, (change) => {
      for (const fn of blobFunctions) if (matches(fn.trigger, change)) void this.#deliverBlob(fn, change)
    })
  }

  #stopWork(): void {
    this.#generation++
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers = []
    for (const wake of this.#wakers.values()) wake()
    this.#wakers.clear()
    this.blobs.unwatch()
  }

  /** Consumes one queue: up to `batchSize` messages at a time, each handled on its own. */
  async #consume(fn: FunctionDefinition<QueueTrigger>, generation: number): Promise<void> {
    const spec = this.#queueSpec(fn.trigger.queue)
    while (generation === this.#generation && !this.#stopped) {
      const batch = this.queues.receive(spec, fn.trigger.batchSize)
      if (batch.length === 0) {
        await this.#sleep(spec.name, this.queues.nextVisibleAt(spec.name))
        continue
      }
      await Promise.all(
        batch.map((message) =>
          message.attempt > spec.maxAttempts
            ? this.#deadLetter(
                fn,
                spec,
                message,
                `${spec.maxAttempts} attempts, the last of which never finished`,
              )
            : this.#deliver(fn, spec, message),
        ),
      )
    }
  }

  /** Moves a message to its queue's dead-letter queue, with a platform line that says why. */
  #deadLetter(fn: FunctionDefinition, spec: QueueSpec, message: StoredMessage, after: string): void {
    this.queues.move(message, deadLetterName(spec.name), { keepAttempts: true })
    this.telemetry.platform(
      fn.name,
      message.id,
      'error',
      `message dead-lettered to ${deadLetterName(spec.name)} after ${after}`,
      { messageId: message.id },
    )
  }

  async #deliver(
    fn: FunctionDefinition<QueueTrigger>,
    spec: QueueSpec,
    message: StoredMessage,
  ): Promise<void> {
    try {
      await runInvocation(this.telemetry, fn, (context) =>
        fn.handler(
          textMessage({
            id: message.id,
            body: message.body,
            attempt: message.attempt,
            enqueuedAt: new Date(message.enqueuedAt),
            native: message,
          }),
          context,
        ),
      )
      this.queues.ack(message)
    } catch {
      if (message.attempt >= spec.maxAttempts)
        this.#deadLetter(fn, spec, message, `${message.attempt} attempts`)
      // Otherwise it stays hidden until its visibility timeout ends, then comes again.
    }
  }

  /** Waits for a send to the queue, for its next hidden message to show, or a second at most. */
  #sleep(queue: string, nextVisibleAt: number | undefined): Promise<void> {
    const wait = Math.max(5, Math.min(1000, (nextVisibleAt ?? Number.POSITIVE_INFINITY) - Date.now()))
    return new Promise((resolve) => {
      const timer = setTimeout(done, wait)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.#wakers.set(queue, done)
    })
  }

  /** Every consumed queue is declared: app.queue declares the queue it consumes. */
  #queueSpec(name: string): QueueSpec {
    const declared = this.#registry.resources.queues.get(name)
    if (!declared) throw new XfnError('INTERNAL', `queue '${name}' is consumed but was never declared`)
    return declared
  }

  #schedule(fn: FunctionDefinition<TimerTrigger>, generation: number): void {
    const schedule = parseSchedule(fn.trigger.schedule, `app.timer('${fn.name}')`)
    const arm = () => {
      const next = nextFireTimes(schedule, new Date(), 1)[0]
      if (!next || generation !== this.#generation) return
      // setTimeout holds at most about 24.8 days; a later firing waits in several steps.
      const wait = () =>
        this.#timers.push(setTimeout(fire, Math.min(next.getTime() - Date.now(), 2 ** 31 - 1)))
      const fire = () => {
        if (generation !== this.#generation) return
        if (Date.now() < next.getTime()) return void wait()
        const tick = timerTick(next, new Date(), { schedule: fn.trigger.schedule })
        runInvocation(this.telemetry, fn, (context) => fn.handler(tick, context)).catch(() => undefined)
        arm()
      }
      wait()
    }
    arm()
  }

  /**
   * Runs a queue, timer or blob function once, now, as its trigger would (`xfn invoke`): a queue
   * function gets one message (first attempt, not through the queue, so no retry follows), a
   * timer a tick due now, a blob function a created event for the key given.
   */
  async invoke(name: string, data: string): Promise<{ invocationId: string; ok: boolean; error?: string }> {
    const fn = this.#registry.functions.get(name)
    if (!fn) {
      const known = [...this.#registry.functions.keys()].join(', ') || 'none'
      throw new XfnError(
        'UNKNOWN_FUNCTION',
        `There is no function '${name}' in the deployed app (it has: ${known}).`,
      )
    }
    const now = new Date()
    const { trigger } = fn
    let event: unknown
    if (trigger.type === 'http')
      throw new XfnError('INVALID_OPTIONS', `'${name}' is an HTTP function: call it through its URL.`)
    if (trigger.type === 'queue')
      event = textMessage({
        id: randomUUID(),
        body: data,
        attempt: 1,
        enqueuedAt: now,
        native: { source: 'invoke' },
      })
    if (trigger.type === 'timer') {
      const due = previousFireTime(parseSchedule(trigger.schedule, `app.timer('${name}')`), now) ?? now
      event = timerTick(due, now, { source: 'invoke' })
    }
    if (trigger.type === 'blob') {
      const key = data || `${trigger.prefix}example${trigger.suffix}`
      const stored = await this.blobs.get({ name: trigger.bucket }, key)
      event = {
        type: 'created',
        bucket: trigger.bucket,
        key,
        size: stored?.body.byteLength ?? 0,
        etag: '',
        time: now,
        native: { source: 'invoke' },
      } satisfies BlobEvent
    }
    let invocationId = ''
    try {
      await runInvocation(this.telemetry, fn, (context) => {
        invocationId = context.invocationId
        return (fn.handler as (event: unknown, context: unknown) => unknown)(event, context)
      })
      return { invocationId, ok: true }
    } catch (error) {
      return { invocationId, ok: false, error: error instanceof Error ? error.message : String(error) }
    }
  }

  async #deliverBlob(fn: FunctionDefinition<BlobTrigger>, change: BlobChange): Promise<void> {
    const event: BlobEvent = { ...change, bucket: fn.trigger.bucket, native: change }
    for (let attempt = 1; attempt <= blobAttempts; attempt++) {
      try {
        await runInvocation(this.telemetry, fn, (context) => fn.handler(event, context))
        return
      } catch {
        if (attempt === blobAttempts) {
          this.telemetry.platform(
            fn.name,
            '-',
            'error',
            `blob event for '${change.key}' failed ${blobAttempts} times and was given up`,
            {
              key: change.key,
              type: change.type,
            },
          )
        }
      }
    }
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url?.startsWith('/_xfn/')) return this.#control(req, res)
    if (!this.#http) {
      res.writeHead(503, { 'content-type': 'application/json' })
      return void res.end(JSON.stringify({ error: 'No app is deployed; run xfn deploy --cloud local' }))
    }
    await serveHttp(this.#http, req, res)
  }

  /** The control API of the CLI, under /_xfn/, behind the token in cloud.json; and signed blob URLs. */
  async #control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local')
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const blob = /^\/_xfn\/blobs\/([^/]+)\/(.+)$/.exec(url.pathname)
    if (blob)
      return this.#signedBlob(
        req,
        res,
        url,
        decodeURIComponent(blob[1] ?? ''),
        (blob[2] ?? '').split('/').map(decodeURIComponent).join('/'),
      )
    if (req.headers['x-xfn-token'] !== this.#token) return reply(403, { error: 'Forbidden' })
    try {
      const raw = req.method === 'POST' ? await readBody(req) : new Uint8Array(0)
      if (raw === 'too-large') return reply(413, { error: 'Payload Too Large' })
      const body = raw.byteLength > 0 ? JSON.parse(Buffer.from(raw).toString('utf8')) : {}
      if (url.pathname === '/_xfn/status') return reply(200, this.status())
      if (url.pathname === '/_xfn/deploy' && req.method === 'POST') {
        const deployment = readState<Deployment>(this.paths.deployment)
        if (!deployment) return reply(400, { error: 'No deployment to load' })
        await this.deploy(deployment)
        return reply(200, this.status())
      }
      if (url.pathname === '/_xfn/shutdown' && req.method === 'POST') {
        reply(200, { stopping: true })
        setImmediate(() => this.stop().then(() => process.exit(0)))
        return
      }
      const invoke = /^\/_xfn\/invoke\/([^/]+)$/.exec(url.pathname)
      if (invoke && req.method === 'POST')
        return reply(
          200,
          await this.invoke(decodeURIComponent(invoke[1] ?? ''), (body as { data?: string }).data ?? ''),
        )
      const queue = /^\/_xfn\/queues\/([^/]+)\/(messages|redrive)$/.exec(url.pathname)
      if (queue) {
        const name = decodeURIComponent(queue[1] ?? '')
        if (queue[2] === 'redrive' && req.method === 'POST') return reply(200, { moved: this.redrive(name) })
        if (req.method === 'POST')
          return reply(200, { ids: this.send(name, (body as { bodies: string[] }).bodies ?? []) })
        return reply(200, {
          messages: this.queues.messages(name).map((m) => ({
            id: m.id,
            body: m.body,
            attempt: m.attempt,
            enqueuedAt: new Date(m.enqueuedAt).toISOString(),
          })),
        })
      }
      return reply(404, { error: 'Not Found' })
    } catch (error) {
      return reply(error instanceof XfnError || error instanceof SyntaxError ? 400 : 500, {
        error: error instanceof Error ? error.message : String(error),
        commands: error instanceof XfnError ? error.commands.map((command) => command.args) : [],
      })
    }
  }

  async #signedBlob(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    bucket: string,
    key: string,
  ): Promise<void> {
    const method = url.searchParams.get('method') ?? 'GET'
    const valid =
      method === req.method &&
      this.blobs.verify(
        method,
        bucket,
        key,
        Number(url.searchParams.get('expires')),
        url.searchParams.get('signature') ?? '',
      )
    if (!valid) {
      res.writeHead(403, { 'content-type': 'application/json' })
      return void res.end(JSON.stringify({ error: 'Forbidden: the signed URL is invalid or has expired' }))
    }
    if (method === 'PUT') {
      const body = await readBody(req)
      if (body === 'too-large') {
        res.writeHead(413, { 'content-type': 'application/json' })
        return void res.end(
          JSON.stringify({ error: 'Payload Too Large: upload at most 6 MiB through a signed URL' }),
        )
      }
      await this.blobs.put({ name: bucket }, key, body, req.headers['content-type'])
      res.writeHead(200)
      return void res.end()
    }
    const found = await this.blobs.get({ name: bucket }, key)
    if (!found) {
      res.writeHead(404)
      return void res.end()
    }
    res.writeHead(200, { 'content-type': found.contentType ?? 'application/octet-stream' })
    res.end(found.body)
  }
}

function matches(trigger: BlobTrigger, change: BlobChange): boolean {
  return (
    trigger.bucket === change.bucket &&
    trigger.events.includes(change.type) &&
    change.key.startsWith(trigger.prefix) &&
    change.key.endsWith(trigger.suffix)
  )
}

export { statePaths }
