/**
 * The sandbox: the process in which the local cloud runs an app's code, so that nothing the code
 * does (an uncaught error, process.exit, an endless loop, memory without end) can stop the cloud.
 * It loads the app, serves the HTTP connections the cloud hands it, and runs the queue, timer and
 * blob invocations the cloud asks for. See sandbox-protocol.ts for the conversation.
 */

import { createServer, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import {
  type BlobEvent,
  createRouter,
  guardProvider,
  type PublishedMessage,
  Registry,
  textMessage,
  timerTick,
  topicMessage,
  XfnError,
} from '@xfn/core'
import { currentInvocation, Telemetry } from '../observe/telemetry.js'
import { BlobStore } from './blobs.js'
import { serveHttp } from './http-server.js'
import {
  earliestDeadline,
  failEveryInvocation,
  onInvocationStart,
  runInvocation,
  SandboxEnded,
} from './invoke.js'
import { localResourceProvider } from './provider.js'
import type { CloudToSandbox, InvocationEvent, LoadOrder, SandboxToCloud } from './sandbox-protocol.js'

const registryKey = Symbol.for('xfn.registry.v1')
const beatEveryMs = 250

// A sandbox must not outlive its cloud. It exits when the cloud's channel closes, but a handler
// that holds the event loop would keep it running, without an owner, for ever: a thread of its
// own ends the process once its parent is gone, whatever the main thread is doing.
new Worker(
  `const cloud = ${process.ppid}
setInterval(() => { if (process.ppid !== cloud) process.kill(process.pid, 'SIGKILL') }, 500)`,
  { eval: true },
).unref()

const tell = (message: SandboxToCloud) => process.send?.(message)
/** Connections on their way to the cloud: the process must not end before they arrive. */
let handingOver = 0
const tellWith = (message: SandboxToCloud, socket: Socket) => {
  handingOver++
  process.send?.(message, socket, {}, (error) => {
    handingOver--
    if (error) socket.destroy()
    if (draining) exitWhenIdle()
  })
}
const exit = process.exit.bind(process)

let telemetry: Telemetry | undefined
let registry: Registry | undefined
let draining = false
/** Responses being written or waited for: a sandbox that must end answers them 502 first. */
const openResponses = new Set<ServerResponse>()
/** Open connections and the requests under way on each: a draining sandbox gives the idle ones back. */
const connections = new Map<Socket, number>()
const pendingSends = new Map<number, { resolve: () => void; reject: (error: Error) => void }>()
let nextSendId = 0
let invocationsUnderWay = 0

const server = createServer((req, res) => {
  if (!registry || !telemetry) return void res.destroy()
  const socket = req.socket
  connections.set(socket, (connections.get(socket) ?? 0) + 1)
  openResponses.add(res)
  res.on('finish', () => {
    const left = (connections.get(socket) ?? 1) - 1
    connections.set(socket, left)
    if (draining && left === 0 && res.shouldKeepAlive && req.complete) giveBack(socket)
  })
  res.on('close', () => {
    openResponses.delete(res)
    if (draining) exitWhenIdle()
  })
  serveHttp(app, req, res).catch((error) => {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: 'Internal Server Error' }))
    telemetry?.platform('-', '-', 'error', 'request failed', { error: String(error) })
  })
})
server.keepAliveTimeout = 5000
let app: Parameters<typeof serveHttp>[0]

process.on('message', (message: CloudToSandbox, socket?: Socket) => {
  switch (message.type) {
    case 'load':
      return void load(message)
    case 'connection':
      if (!socket) return
      if (draining) return giveBack(socket)
      connections.set(socket, 0)
      socket.once('close', () => {
        connections.delete(socket)
        if (draining) exitWhenIdle()
      })
      server.emit('connection', socket)
      return void socket.resume()
    case 'invoke':
      return void invoke(message.id, message.function, message.event)
    case 'sent': {
      const pending = pendingSends.get(message.id)
      pendingSends.delete(message.id)
      if (message.error === undefined) pending?.resolve()
      else pending?.reject(new XfnError(message.error.code, message.error.message))
      return
    }
    case 'drain':
      draining = true
      for (const [socket, requests] of connections) if (requests === 0) giveBack(socket)
      return exitWhenIdle()
  }
})
// Messages that come before a listener are lost, so the cloud sends the app only once told this.
tell({ type: 'listening' })
// The cloud is gone (it stopped or was killed): nothing is left to serve.
process.on('disconnect', () => {
  telemetry?.flushNow()
  exit(0)
})

async function load(order: LoadOrder): Promise<void> {
  telemetry = new Telemetry({ logs: order.logs, invocations: order.invocations })
  telemetry.captureConsole()
  const loaded = new Registry()
  const blobs = new BlobStore(order.buckets, order.signingSecret)
  loaded.resources.provider = guardProvider(
    localResourceProvider({ send: sendMessages, publish: publishMessages }, blobs, {
      baseUrl: () => order.serviceUrl,
      secrets: order.secrets,
    }),
    loaded.functions,
    () => currentInvocation.getStore()?.function,
  )
  ;(globalThis as { [registryKey]?: Registry })[registryKey] = loaded
  try {
    await import(`${pathToFileURL(order.module).href}?build=${order.sha256}`)
  } catch (error) {
    tell({ type: 'loadFailed', message: error instanceof Error ? error.message : String(error) })
    return void setImmediate(() => exit(1))
  }
  registry = loaded
  app = { route: createRouter(loaded.functions.values()), apiKeyHash: order.apiKeySha256, telemetry }
  tell({
    type: 'ready',
    functions: [...loaded.functions.values()].map(({ name, trigger, settings }) => ({
      name,
      trigger,
      settings,
    })),
    queues: [...loaded.resources.queues.values()].map(
      ({ name, maxAttempts, visibilityTimeoutSeconds, fifo }) => ({
        name,
        maxAttempts,
        visibilityTimeoutSeconds,
        fifo,
      }),
    ),
  })
  setInterval(beat, beatEveryMs).unref()
  // A handler that blocks the loop as soon as it starts gives no beat after it: its deadline is
  // told at once when it is earlier than the one the cloud knows (rarely: about once per beat).
  onInvocationStart((deadline) => {
    if (toldDeadline === null || deadline < toldDeadline) beat()
  })
}

let toldDeadline: number | null = null
function beat(): void {
  toldDeadline = earliestDeadline()
  tell({ type: 'beat', deadline: toldDeadline })
}

/** A handler's queue('x').send(): the cloud owns the journal, so the messages go to it. */
function sendMessages(queue: string, messages: readonly { body: string }[]): Promise<void> {
  const id = ++nextSendId
  return new Promise((resolve, reject) => {
    pendingSends.set(id, { resolve, reject })
    tell({ type: 'send', id, queue, bodies: messages.map((message) => message.body) })
  })
}

/** A handler's topic('x').publish(): the cloud owns the journal and knows the subscriptions. */
function publishMessages(topic: string, messages: readonly PublishedMessage[]): Promise<void> {
  const id = ++nextSendId
  return new Promise((resolve, reject) => {
    pendingSends.set(id, { resolve, reject })
    tell({ type: 'publish', id, topic, messages })
  })
}

async function invoke(id: number, name: string, event: InvocationEvent): Promise<void> {
  const fn = registry?.functions.get(name)
  if (!fn || !telemetry) {
    return void tell({ type: 'result', id, invocationId: '', ok: false, error: `no function '${name}'` })
  }
  invocationsUnderWay++
  let invocationId = ''
  try {
    await runInvocation(telemetry, fn, (context) => {
      invocationId = context.invocationId
      return (fn.handler as (event: unknown, context: unknown) => unknown)(eventOf(event), context)
    })
    tell({ type: 'result', id, invocationId, ok: true })
  } catch (error) {
    tell({
      type: 'result',
      id,
      invocationId,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    })
  } finally {
    invocationsUnderWay--
    if (draining) exitWhenIdle()
  }
}

function eventOf(event: InvocationEvent): unknown {
  switch (event.kind) {
    case 'queue':
      return textMessage({
        ...event.message,
        enqueuedAt: new Date(event.message.enqueuedAt),
        native: event.native,
      })
    case 'topic':
      return topicMessage({
        ...event.message,
        publishedAt: new Date(event.message.publishedAt),
        native: event.native,
      })
    case 'timer':
      return timerTick(event.due, event.at, event.native)
    case 'blob':
      return { ...event.event, native: event.native } satisfies BlobEvent
  }
}

/**
 * Gives a kept-alive connection with no request under way back to the cloud, which hands it to
 * the sandbox of the new build: a client's open connection outlives a deploy, as it would at a
 * cloud's front door.
 */
function giveBack(socket: Socket): void {
  connections.delete(socket)
  socket.pause()
  tellWith({ type: 'connection' }, socket)
}

function exitWhenIdle(): void {
  if (openResponses.size === 0 && invocationsUnderWay === 0 && connections.size === 0 && handingOver === 0) {
    telemetry?.close()
    exit(0)
  }
}

/**
 * Ends the sandbox for a fault of the app's code, as a function's sandbox ends on Lambda: every
 * invocation under way fails with a log line naming the cause, every request waiting for an
 * answer gets 502, and the cloud is told why before the process exits.
 */
function end(cause: string, code: number): never {
  const error = new SandboxEnded(`the app's process ended: ${cause}`)
  failEveryInvocation(error)
  for (const res of openResponses) {
    if (res.headersSent) continue
    res.writeHead(502, { 'content-type': 'application/json', connection: 'close' })
    res.end(JSON.stringify({ error: 'Bad Gateway', hint: error.message }))
  }
  tell({ type: 'fatal', cause })
  telemetry?.flushNow()
  return exit(code)
}

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error)
process.on('uncaughtException', (error) => end(`uncaught exception (${describe(error)})`, 1))
process.on('unhandledRejection', (reason) => end(`unhandled promise rejection (${describe(reason)})`, 1))
process.exit = ((code?: number | string | null) =>
  end(`the app called process.exit(${code ?? ''})`, Number(code ?? 0) || 0)) as typeof process.exit
