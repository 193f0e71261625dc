import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net'
import { dirname, join } from 'node:path'
import {
  type BlobTrigger,
  checkMessageSize,
  checkPublished,
  matchesFilter,
  nextFireTimes,
  type PublishedMessage,
  parseSchedule,
  previousFireTime,
  type QueueSpec,
  type TimerTrigger,
  type TopicTrigger,
  XfnError,
  xfnCommand,
} from '@xfn/core'
import { Telemetry } from '../observe/telemetry.js'
import { readReleases } from '../releases.js'
import { type BlobChange, BlobStore } from '../runtime/blobs.js'
import { readBody } from '../runtime/http-server.js'
import { SandboxEnded } from '../runtime/invoke.js'
import type { FunctionShape, InvocationEvent } from '../runtime/sandbox-protocol.js'
import {
  type CloudInfo,
  type Deployment,
  ensurePrivateFolder,
  readState,
  type StatePaths,
  statePaths,
  writeState,
} from '../state.js'
import { deadLetterName, QueueStore, type StoredMessage, subscriptionQueue } from './queues.js'
import { type InvocationOutcome, Sandbox } from './sandbox.js'
import { Supervisor } from './supervisor.js'

/** Blob events are tried this many times, as Lambda retries asynchronous invocations. */
const blobAttempts = 3

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

export interface CloudOptions {
  readonly projectDir: string
  readonly port: number
  readonly host?: string
}

/**
 * The local cloud: one process that serves one project's app over HTTP on 127.0.0.1, consumes
 * its queues from a durable journal, fires its timers, watches its buckets' folders, and records
 * logs and invocations. The app's code runs in a sandbox process of its own (sandbox.ts), which
 * is restarted when the code brings it down; `deploy` swaps in a new build without losing queued
 * messages. The CLI talks to it on a second port, the service port, that the app's routes never
 * share.
 */
export class LocalCloud {
  readonly paths: StatePaths
  readonly telemetry: Telemetry
  readonly queues: QueueStore
  readonly blobs: BlobStore
  /** The app's port: each connection is handed to the sandbox, which serves it. */
  readonly #appServer: NetServer
  /** The control API of the CLI and the signed bucket URLs. */
  readonly #serviceServer: Server
  readonly #token = randomBytes(24).toString('hex')
  readonly #signingSecret = randomBytes(24).toString('hex')
  #info: CloudInfo | undefined
  #functions = new Map<string, FunctionShape>()
  #queueSpecs = new Map<string, QueueSpec>()
  #deployment: Deployment | undefined
  readonly #web: Supervisor
  readonly #background: Supervisor
  #generation = 0
  #journalFailedAt = 0
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
    this.blobs = new BlobStore(this.paths.buckets, this.#signingSecret)
    const fallback = createServer((req, res) => {
      req.resume()
      if (this.#deployment)
        return json(res, 503, {
          error: "Service Unavailable: the app's process is not running; see xfn logs",
        })
      json(res, 503, { error: 'No app is deployed; run xfn deploy --cloud local' })
    })
    const answerUnavailable = (socket: Socket) => {
      fallback.emit('connection', socket)
      socket.resume()
    }
    const restart = () => this.#startSandbox(this.#deployment as Deployment)
    this.#web = new Supervisor('HTTP functions', restart, this.telemetry, answerUnavailable)
    this.#background = new Supervisor('queue, timer and blob functions', restart, this.telemetry)
    this.#appServer = createNetServer({ pauseOnConnect: true }, (socket) => this.#web.accept(socket))
    this.#serviceServer = createServer((req, res) => {
      this.#service(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'Internal Server Error' }))
        this.telemetry.platform('cloud', '-', 'error', 'request failed', { error: String(error) })
      })
    })
    this.#serviceServer.keepAliveTimeout = 5000
  }

  /** Listens, records itself in cloud.json, and serves the deployed app if there is one. */
  async start(): Promise<CloudInfo> {
    const host = this.options.host ?? '127.0.0.1'
    await listen(this.#appServer, this.options.port, host)
    await listen(this.#serviceServer, 0, host)
    const { port } = this.#appServer.address() as AddressInfo
    const servicePort = (this.#serviceServer.address() as AddressInfo).port
    this.telemetry.captureConsole()
    this.#info = {
      pid: process.pid,
      port,
      servicePort,
      host,
      token: this.#token,
      startedAt: new Date().toISOString(),
      argv: process.argv.slice(1),
    }
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

  /** Where the CLI and signed bucket URLs reach the cloud. */
  get serviceUrl(): string {
    return `http://${this.info.host}:${this.info.servicePort}`
  }

  /**
   * Loads a build of the app and serves it in place of the one before: HTTP functions in one
   * sandbox, queue, timer and blob functions in another, so a fault in one kind never takes the
   * other down. The sandboxes of the build before finish what they were doing, then exit.
   */
  async deploy(deployment: Deployment): Promise<void> {
    if (!existsSync(deployment.module)) {
      const redeploy = xfnCommand('deploy')
      throw new XfnError(
        'INVALID_OPTIONS',
        `The deployed module ${deployment.module} is missing. Deploy again: ${redeploy}.`,
        { commands: [redeploy] },
      )
    }
    const previousModule = this.#deployment?.module
    const started = await Promise.allSettled([this.#startSandbox(deployment), this.#startSandbox(deployment)])
    const [web, background] = started.map((result) =>
      result.status === 'fulfilled' ? result.value : undefined,
    )
    const failure = started.find((result) => result.status === 'rejected')
    if (!web || !background || failure) {
      web?.stop('the deploy failed')
      background?.stop('the deploy failed')
      throw failure?.reason
    }
    this.#stopWork()
    this.#deployment = deployment
    this.#functions = new Map(web.functions.map((fn) => [fn.name, fn]))
    this.#queueSpecs = new Map(web.queues.map((spec) => [spec.name, spec]))
    void this.#web.use(web)?.drain()
    if (web.functions.some((fn) => fn.trigger.type !== 'http')) void this.#background.use(background)?.drain()
    else {
      background.stop('the app has no queue, timer or blob functions')
      void this.#background.retire()?.drain()
    }
    this.#startWork()
    this.#pruneBuilds([deployment.module, previousModule])
  }

  /**
   * Deletes the copies of older builds (xfn dev makes one per save), keeping those that run or
   * drain, and those of the releases kept for a rollback.
   */
  #pruneBuilds(kept: (string | undefined)[]): void {
    const releases = readReleases(this.paths.releases).map((release) => release.module)
    const keptFolders = new Set(
      [...kept, ...releases].filter((module) => module !== undefined).map((module) => dirname(module)),
    )
    if (!existsSync(this.paths.apps)) return
    for (const entry of readdirSync(this.paths.apps)) {
      const folder = join(this.paths.apps, entry)
      if (!keptFolders.has(folder)) rmSync(folder, { recursive: true, force: true })
    }
  }

  #startSandbox(deployment: Deployment): Promise<Sandbox> {
    return Sandbox.start({
      env: deployment.env ?? {},
      order: {
        module: deployment.module,
        sha256: deployment.sha256,
        apiKeySha256: deployment.apiKeySha256,
        logs: this.paths.logs,
        invocations: this.paths.invocations,
        buckets: this.paths.buckets,
        secrets: this.paths.secrets,
        serviceUrl: this.serviceUrl,
        signingSecret: this.#signingSecret,
      },
      send: (queue, bodies) => this.#sendFromApp(queue, bodies),
      publish: (topic, messages) => this.#publishFromApp(topic, messages),
      returned: (socket) => this.#web.accept(socket),
    })
  }

  /** What runs: the app, its functions with their endpoints, and the depth of every queue. */
  status() {
    return {
      ...this.info,
      token: undefined,
      url: this.baseUrl,
      app: this.#deployment?.app,
      deployedAt: this.#deployment?.deployedAt,
      sandboxes: { http: this.#web.pid, background: this.#background.pid },
      functions: [...this.#functions.values()].map((fn) => ({
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
        ...(fn.trigger.type === 'topic'
          ? { topic: fn.trigger.topic, queue: subscriptionQueue(fn.trigger.topic, fn.name) }
          : {}),
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
    this.#web.stop()
    this.#background.stop()
    await Promise.all([
      new Promise<void>((resolve) => this.#appServer.close(() => resolve())),
      new Promise<void>((resolve) => {
        this.#serviceServer.close(() => resolve())
        this.#serviceServer.closeAllConnections()
      }),
    ])
    this.queues.close()
    this.telemetry.close()
    if (readState<CloudInfo>(this.paths.cloud)?.pid === process.pid) rmSync(this.paths.cloud, { force: true })
  }

  /**
   * Sends messages to a queue for the CLI (`xfn queue send`): only to a queue the app declares
   * (or its dead-letter queue), each within the portable message size.
   */
  send(queue: string, bodies: readonly string[]): string[] {
    const declared = [...this.#queueSpecs.keys()]
    if (!declared.includes(queue) && !declared.some((name) => deadLetterName(name) === queue)) {
      throw new XfnError(
        'INVALID_OPTIONS',
        `The app declares no queue '${queue}' (it declares: ${declared.join(', ') || 'none'}).`,
      )
    }
    for (const body of bodies) checkMessageSize(queue, body, 'local')
    return this.#sendFromApp(queue, bodies)
  }

  /** A handler's queue('x').send(), which declared the queue it sends to. */
  #sendFromApp(queue: string, bodies: readonly string[]): string[] {
    let ids: string[]
    try {
      ids = this.queues.send(
        queue,
        bodies.map((body) => ({ body })),
      )
    } catch (error) {
      if (!(error instanceof XfnError)) throw error
      throw new XfnError(error.code, `queue('${queue}').send() stored nothing: ${error.message}`, {
        cause: error,
      })
    }
    this.#wakers.get(queue)?.()
    return ids
  }

  /**
   * A handler's topic('x').publish(): each message goes, in one journal write, to the queue of
   * every subscription whose filter it passes (to none when no subscription wants it).
   */
  #publishFromApp(topic: string, messages: readonly PublishedMessage[]): void {
    const subscriptions = [...this.#functions.values()].filter(
      (fn): fn is FunctionShape & { trigger: TopicTrigger } =>
        fn.trigger.type === 'topic' && fn.trigger.topic === topic,
    )
    const woken = new Set<string>()
    for (const message of messages) {
      checkPublished(topic, message)
      const queues = subscriptions
        .filter((fn) => matchesFilter(fn.trigger.filter, message.attributes))
        .map((fn) => subscriptionQueue(topic, fn.name))
      if (queues.length === 0) continue
      try {
        this.queues.fanOut(queues, message)
      } catch (error) {
        if (!(error instanceof XfnError)) throw error
        throw new XfnError(error.code, `topic('${topic}').publish() stored nothing: ${error.message}`, {
          cause: error,
        })
      }
      for (const queue of queues) woken.add(queue)
    }
    for (const queue of woken) this.#wakers.get(queue)?.()
  }

  redrive(queue: string): number {
    const moved = this.queues.redrive(queue)
    this.#wakers.get(queue)?.()
    return moved
  }

  #startWork(): void {
    const generation = ++this.#generation
    const functions = [...this.#functions.values()]
    for (const fn of functions) {
      if (fn.trigger.type === 'queue')
        void this.#consume(fn, this.#queueSpec(fn.trigger.queue), fn.trigger.batchSize, generation)
      if (fn.trigger.type === 'topic')
        void this.#consume(
          fn,
          subscriptionSpec(fn as FunctionShape & { trigger: TopicTrigger }),
          fn.trigger.batchSize,
          generation,
        )
      if (fn.trigger.type === 'timer')
        this.#schedule(fn as FunctionShape & { trigger: TimerTrigger }, generation)
    }
    const blobFunctions = functions.filter(
      (fn): fn is FunctionShape & { trigger: BlobTrigger } => fn.trigger.type === 'blob',
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

  /** Runs one invocation in the sandbox; an invocation the sandbox never finished (it ended) is a failure too. */
  async #run(fn: FunctionShape, event: InvocationEvent): Promise<InvocationOutcome> {
    try {
      const outcome = await (await this.#background.ready()).invoke(fn, event)
      this.#remember(outcome.invocationId, fn.name, event)
      return outcome
    } catch (error) {
      if (!(error instanceof SandboxEnded)) throw error
      return { invocationId: '', ok: false, error: error.message }
    }
  }

  /**
   * The events of the last queue, topic, timer and blob invocations, by invocation id, which the
   * console shows (`GET /_xfn/invocations/<id>`). In memory only, and the last 100 only.
   */
  readonly #recentEvents = new Map<string, { function: string; event: InvocationEvent }>()

  #remember(invocationId: string, fn: string, event: InvocationEvent): void {
    if (!invocationId) return
    this.#recentEvents.set(invocationId, { function: fn, event })
    if (this.#recentEvents.size > 100) this.#recentEvents.delete(this.#recentEvents.keys().next().value ?? '')
  }

  /**
   * Consumes one queue (a queue function's, or a topic subscription's): up to `batchSize`
   * messages at a time, each handled on its own.
   */
  async #consume(fn: FunctionShape, spec: QueueSpec, batchSize: number, generation: number): Promise<void> {
    while (generation === this.#generation && !this.#stopped) {
      let batch: StoredMessage[]
      try {
        batch = this.queues.receive(spec, batchSize)
      } catch (error) {
        // The journal cannot be written (a full disk): try again in a second, as long as it takes.
        this.#journalFailed(error)
        await this.#sleep(spec.name, Date.now() + 1000)
        continue
      }
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

  /** Says, at most every 10 s, that the journal cannot be written; what failed is tried again later. */
  #journalFailed(error: unknown): void {
    if (Date.now() - this.#journalFailedAt < 10_000) return
    this.#journalFailedAt = Date.now()
    const message = error instanceof Error ? error.message : String(error)
    this.telemetry.platform('cloud', '-', 'error', `${message} Queue deliveries wait until it can.`)
    process.stderr.write(`${new Date().toISOString()} ${message}\n`)
  }

  /** Marks a message handled; if the journal cannot say so now, the message comes again after its visibility timeout. */
  #ack(message: StoredMessage): void {
    try {
      this.queues.ack(message)
    } catch (error) {
      this.#journalFailed(error)
    }
  }

  /** Moves a message to its queue's dead-letter queue, with a platform line that says why. */
  #deadLetter(fn: FunctionShape, spec: QueueSpec, message: StoredMessage, after: string): void {
    try {
      this.queues.move(message, deadLetterName(spec.name), { keepAttempts: true })
    } catch (error) {
      // It stays in its queue, and is dead-lettered at a later delivery.
      this.#journalFailed(error)
      return
    }
    this.telemetry.platform(
      fn.name,
      message.id,
      'error',
      `message dead-lettered to ${deadLetterName(spec.name)} after ${after}`,
      { messageId: message.id },
    )
  }

  async #deliver(fn: FunctionShape, spec: QueueSpec, message: StoredMessage): Promise<void> {
    const outcome = await this.#run(fn, deliveryOf(fn, message))
    if (outcome.ok) return this.#ack(message)
    if (outcome.invocationId === '')
      this.telemetry.platform(
        fn.name,
        message.id,
        'error',
        `delivery of message ${message.id} failed: ${outcome.error}`,
        {
          messageId: message.id,
          attempt: message.attempt,
        },
      )
    if (message.attempt >= spec.maxAttempts)
      this.#deadLetter(fn, spec, message, `${message.attempt} attempts`)
    // Otherwise it stays hidden until its visibility timeout ends, then comes again.
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
    const declared = this.#queueSpecs.get(name)
    if (!declared) throw new XfnError('INTERNAL', `queue '${name}' is consumed but was never declared`)
    return declared
  }

  #schedule(fn: FunctionShape & { trigger: TimerTrigger }, generation: number): void {
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
        void this.#run(fn, {
          kind: 'timer',
          due: next,
          at: new Date(),
          native: { schedule: fn.trigger.schedule },
        })
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
  async invoke(name: string, data: string): Promise<InvocationOutcome> {
    const fn = this.#functions.get(name)
    if (!fn) {
      const known = [...this.#functions.keys()].join(', ') || 'none'
      throw new XfnError(
        'UNKNOWN_FUNCTION',
        `There is no function '${name}' in the deployed app (it has: ${known}).`,
      )
    }
    const now = new Date()
    const { trigger } = fn
    if (trigger.type === 'http')
      throw new XfnError('INVALID_OPTIONS', `'${name}' is an HTTP function: call it through its URL.`)
    if (trigger.type === 'queue')
      return this.#run(fn, {
        kind: 'queue',
        message: { id: randomUUID(), body: data, attempt: 1, enqueuedAt: now.getTime() },
        native: { source: 'invoke' },
      })
    if (trigger.type === 'topic')
      return this.#run(fn, {
        kind: 'topic',
        message: {
          id: randomUUID(),
          body: data,
          attempt: 1,
          publishedAt: now.getTime(),
          attributes: {},
          topic: trigger.topic,
        },
        native: { source: 'invoke' },
      })
    if (trigger.type === 'timer') {
      const due = previousFireTime(parseSchedule(trigger.schedule, `app.timer('${name}')`), now) ?? now
      return this.#run(fn, { kind: 'timer', due, at: now, native: { source: 'invoke' } })
    }
    const key = data || `${trigger.prefix}example${trigger.suffix}`
    const stored = await this.blobs.get({ name: trigger.bucket }, key)
    return this.#run(fn, {
      kind: 'blob',
      event: {
        type: 'created',
        bucket: trigger.bucket,
        key,
        size: stored?.body.byteLength ?? 0,
        etag: '',
        time: now,
      },
      native: { source: 'invoke' },
    })
  }

  async #deliverBlob(fn: FunctionShape & { trigger: BlobTrigger }, change: BlobChange): Promise<void> {
    for (let attempt = 1; attempt <= blobAttempts; attempt++) {
      const outcome = await this.#run(fn, {
        kind: 'blob',
        event: { ...change, bucket: fn.trigger.bucket },
        native: change,
      })
      if (outcome.ok) return
    }
    this.telemetry.platform(
      fn.name,
      '-',
      'error',
      `blob event for '${change.key}' failed ${blobAttempts} times and was given up`,
      { key: change.key, type: change.type },
    )
  }

  async #service(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url?.startsWith('/_xfn/')) return this.#control(req, res)
    req.resume()
    json(res, 404, { error: "Not Found: this is the local cloud's service port; the app is on its own port" })
  }

  /** The control API of the CLI, under /_xfn/, behind the token in cloud.json; and signed blob URLs. */
  async #control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local')
    const blob = /^\/_xfn\/blobs\/([^/]+)\/(.+)$/.exec(url.pathname)
    if (blob)
      return this.#signedBlob(
        req,
        res,
        url,
        decodeURIComponent(blob[1] ?? ''),
        (blob[2] ?? '').split('/').map(decodeURIComponent).join('/'),
      )
    if (req.headers['x-xfn-token'] !== this.#token) return json(res, 403, { error: 'Forbidden' })
    try {
      const raw = req.method === 'POST' ? await readBody(req) : new Uint8Array(0)
      if (raw === 'too-large') return json(res, 413, { error: 'Payload Too Large' })
      const body = raw.byteLength > 0 ? JSON.parse(Buffer.from(raw).toString('utf8')) : {}
      if (url.pathname === '/_xfn/status') return json(res, 200, this.status())
      if (url.pathname === '/_xfn/deploy' && req.method === 'POST') {
        const deployment = readState<Deployment>(this.paths.deployment)
        if (!deployment) return json(res, 400, { error: 'No deployment to load' })
        await this.deploy(deployment)
        return json(res, 200, this.status())
      }
      if (url.pathname === '/_xfn/shutdown' && req.method === 'POST') {
        json(res, 200, { stopping: true })
        setImmediate(() => this.stop().then(() => process.exit(0)))
        return
      }
      const invoke = /^\/_xfn\/invoke\/([^/]+)$/.exec(url.pathname)
      if (invoke && req.method === 'POST')
        return json(
          res,
          200,
          await this.invoke(decodeURIComponent(invoke[1] ?? ''), (body as { data?: string }).data ?? ''),
        )
      const invocation = /^\/_xfn\/invocations\/([^/]+)$/.exec(url.pathname)
      if (invocation) {
        const found = this.#recentEvents.get(decodeURIComponent(invocation[1] ?? ''))
        return found
          ? json(res, 200, found)
          : json(res, 400, {
              error: `No event of invocation ${invocation[1]}: the local cloud keeps those of its last 100 queue, topic, timer and blob invocations (not HTTP requests) since it started.`,
            })
      }
      const queue = /^\/_xfn\/queues\/([^/]+)\/(messages|redrive)$/.exec(url.pathname)
      if (queue) {
        const name = decodeURIComponent(queue[1] ?? '')
        if (queue[2] === 'redrive' && req.method === 'POST')
          return json(res, 200, { moved: this.redrive(name) })
        if (req.method === 'POST')
          return json(res, 200, { ids: this.send(name, (body as { bodies: string[] }).bodies ?? []) })
        return json(res, 200, {
          messages: this.queues.messages(name).map((m) => ({
            id: m.id,
            body: m.body,
            attempt: m.attempt,
            enqueuedAt: new Date(m.enqueuedAt).toISOString(),
          })),
        })
      }
      return json(res, 404, { error: 'Not Found' })
    } catch (error) {
      const status =
        error instanceof XfnError
          ? error.code === 'UNAVAILABLE'
            ? 503
            : 400
          : error instanceof SyntaxError
            ? 400
            : 500
      return json(res, status, {
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
      return json(res, 403, { error: 'Forbidden: the signed URL is invalid or has expired' })
    }
    if (method === 'PUT') {
      const body = await readBody(req)
      if (body === 'too-large') {
        return json(res, 413, { error: 'Payload Too Large: upload at most 6 MiB through a signed URL' })
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

function listen(server: Server | NetServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new XfnError(
              'INVALID_OPTIONS',
              `Port ${port} on ${host} is already in use. Free it, or choose another with --port.`,
            )
          : error,
      )
    })
    server.listen(port, host, () => resolve())
  })
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

/** The queue behind a topic subscription, with the subscription's own retries and visibility. */
function subscriptionSpec(fn: FunctionShape & { trigger: TopicTrigger }): QueueSpec {
  return {
    name: subscriptionQueue(fn.trigger.topic, fn.name),
    maxAttempts: fn.trigger.maxAttempts,
    visibilityTimeoutSeconds: fn.trigger.visibilityTimeoutSeconds,
    fifo: false,
  }
}

/** The invocation event of a stored message: a queue message, or a topic message with its attributes. */
function deliveryOf(fn: FunctionShape, message: StoredMessage): InvocationEvent {
  if (fn.trigger.type === 'topic')
    return {
      kind: 'topic',
      message: {
        id: message.id,
        body: message.body,
        attempt: message.attempt,
        publishedAt: message.enqueuedAt,
        attributes: message.attributes ?? {},
        topic: fn.trigger.topic,
      },
      native: message,
    }
  return {
    kind: 'queue',
    message: { id: message.id, body: message.body, attempt: message.attempt, enqueuedAt: message.enqueuedAt },
    native: message,
  }
}
