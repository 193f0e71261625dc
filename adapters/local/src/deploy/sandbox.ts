import { type ChildProcess, fork } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { type ErrorCode, type PublishedMessage, type QueueSpec, XfnError } from '@xfn/core'
import { SandboxEnded } from '../runtime/invoke.js'
import type {
  CloudToSandbox,
  FunctionShape,
  InvocationEvent,
  LoadOrder,
  SandboxToCloud,
} from '../runtime/sandbox-protocol.js'

/**
 * The sandbox's script: beside this module in the package; found through the package's exports
 * when this module runs from elsewhere (its TypeScript source in tests, or bundled into a script).
 */
const besideThis = fileURLToPath(new URL('../runtime/sandbox-main.js', import.meta.url))
const sandboxMain = existsSync(besideThis)
  ? besideThis
  : createRequire(import.meta.url).resolve('@xfn/local/sandbox-main')
/** How often the cloud looks at a sandbox's heartbeat and memory. */
const checkEveryMs = 250
/** How long an app may take to load. */
const loadTimeoutMs = 60_000
/** How long past a deadline a silent event loop is given before its sandbox is stopped. */
const blockedGraceMs = 1000

export interface SandboxOptions {
  readonly order: Omit<LoadOrder, 'type'>
  /** The app's settings, over the cloud's own environment. */
  readonly env: Readonly<Record<string, string>>
  /** A handler's queue('x').send(): throws what the sender should see. */
  readonly send: (queue: string, bodies: string[]) => void
  /** A handler's topic('x').publish(): throws what the publisher should see. */
  readonly publish: (topic: string, messages: readonly PublishedMessage[]) => void
  /** Takes a kept-alive connection that the sandbox gives back as it drains. */
  readonly returned: (socket: Socket) => void
}

export interface InvocationOutcome {
  readonly invocationId: string
  readonly ok: boolean
  readonly error?: string
}

/**
 * One process running one build of the app (sandbox-main.ts), from the cloud's side: loads it,
 * hands it connections and invocations, and watches it. A sandbox whose event loop stays silent
 * past a deadline, or whose memory grows past what its functions declare, is stopped; when it
 * ends, for whatever cause, every invocation it owed fails with that cause and `ended` says why.
 */
export class Sandbox {
  readonly functions: readonly FunctionShape[]
  readonly queues: readonly QueueSpec[]
  /** Settles with the cause when the process has ended. */
  readonly ended: Promise<string>
  readonly #child: ChildProcess
  readonly #owed = new Map<
    number,
    { deadline: number; settle: (outcome: InvocationOutcome | Error) => void }
  >()
  readonly #memoryLimitMb: number
  readonly #longestTimeoutMs: number
  readonly #watch: NodeJS.Timeout
  #nextId = 0
  #lastBeat = { at: Date.now(), deadline: null as number | null }
  #cause: string | undefined
  #alive = true
  #worked = false

  private constructor(
    child: ChildProcess,
    ready: Extract<SandboxToCloud, { type: 'ready' }>,
    options: SandboxOptions,
    ended: Promise<string>,
  ) {
    this.#child = child
    this.functions = ready.functions
    this.queues = ready.queues
    this.ended = ended
    this.#memoryLimitMb = Math.max(...ready.functions.map((fn) => fn.settings.memoryMb), 128)
    this.#longestTimeoutMs = Math.max(...ready.functions.map((fn) => fn.settings.timeoutSeconds), 1) * 1000
    child.on('message', (message: SandboxToCloud, socket?: Socket) => {
      switch (message.type) {
        case 'connection':
          if (!socket)
            return // A socket received over IPC starts reading at once, and until the handle reaches the
            // next sandbox whatever it reads is dropped: stop it, so a request sent meanwhile waits
            // in the kernel for the next sandbox. (No public API does this; cluster's does the same.)
          ;(socket as unknown as { _handle?: { readStop?: () => void } })._handle?.readStop?.()
          return options.returned(socket)
        case 'beat':
          this.#lastBeat = { at: Date.now(), deadline: message.deadline }
          return
        case 'result': {
          const owed = this.#owed.get(message.id)
          this.#owed.delete(message.id)
          return owed?.settle(message)
        }
        case 'send':
        case 'publish': {
          let error: { code: ErrorCode; message: string } | undefined
          try {
            if (message.type === 'send') options.send(message.queue, message.bodies)
            else options.publish(message.topic, message.messages)
          } catch (failure) {
            error =
              failure instanceof XfnError
                ? { code: failure.code, message: failure.message }
                : { code: 'INTERNAL', message: String(failure) }
          }
          return this.#tell({ type: 'sent', id: message.id, ...(error === undefined ? {} : { error }) })
        }
        case 'fatal':
          this.#cause ??= message.cause
          return
      }
    })
    this.#watch = setInterval(() => this.#check(), checkEveryMs).unref()
    void ended.then((cause) => {
      this.#alive = false
      clearInterval(this.#watch)
      for (const owed of this.#owed.values())
        owed.settle(new SandboxEnded(`the app's process ended: ${cause}`))
      this.#owed.clear()
    })
  }

  /** Starts a sandbox and loads the app into it; a module that fails to load is an APP_LOAD_FAILED error. */
  static async start(options: SandboxOptions): Promise<Sandbox> {
    const child = fork(sandboxMain, [], {
      env: { ...process.env, ...options.env },
      serialization: 'advanced',
      execArgv: ['--enable-source-maps'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    let cause: () => string | undefined = () => undefined
    const ended = new Promise<string>((resolve) => {
      child.once('close', (code, signal) =>
        resolve(
          cause() ?? (signal ? `it was stopped by ${signal}` : `it exited with code ${code ?? 'unknown'}`),
        ),
      )
    })
    let timer: NodeJS.Timeout | undefined
    const ready = await new Promise<Extract<SandboxToCloud, { type: 'ready' }>>((resolve, reject) => {
      const fail = (why: string) => reject(new XfnError('APP_LOAD_FAILED', `The app failed to load: ${why}`))
      timer = setTimeout(
        () =>
          fail(
            `it did not load within ${loadTimeoutMs / 1000} s; look for top-level code of the app that waits for something that never comes (a connection, a promise)`,
          ),
        loadTimeoutMs,
      )
      child.on('message', (message: SandboxToCloud) => {
        if (message.type === 'listening')
          child.send({ type: 'load', ...options.order } satisfies CloudToSandbox)
        if (message.type === 'ready') resolve(message)
        if (message.type === 'loadFailed') fail(message.message)
        if (message.type === 'fatal') fail(message.cause)
      })
      void ended.then((cause) => fail(`its process ended while loading (${cause})`))
      child.on('error', (error) => fail(error.message))
    })
      .catch((error) => {
        child.kill('SIGKILL')
        throw error
      })
      .finally(() => clearTimeout(timer))
    const sandbox = new Sandbox(child, ready, options, ended)
    cause = () => sandbox.#cause
    return sandbox
  }

  get alive(): boolean {
    return this.#alive
  }

  /** Whether it was given any work: a sandbox that ends without is failing on its own. */
  get worked(): boolean {
    return this.#worked
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  /** Gives the sandbox an accepted connection to serve; the cloud keeps no copy of it. */
  handOff(socket: Socket): void {
    this.#worked = true
    this.#child.send({ type: 'connection' } satisfies CloudToSandbox, socket, {}, (error) => {
      if (error) socket.destroy()
    })
  }

  /** Runs a queue, timer or blob function in the sandbox; settles with the outcome, or fails if the sandbox ends first. */
  invoke(fn: FunctionShape, event: InvocationEvent): Promise<InvocationOutcome> {
    if (!this.#alive) return Promise.reject(new SandboxEnded(`the app's process ended: ${this.#cause}`))
    const id = ++this.#nextId
    this.#worked = true
    return new Promise((resolve, reject) => {
      this.#owed.set(id, {
        deadline: Date.now() + fn.settings.timeoutSeconds * 1000,
        settle: (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)),
      })
      this.#tell({ type: 'invoke', id, function: fn.name, event })
    })
  }

  /**
   * Stops taking work and lets what is under way finish, then the process exits; one still busy
   * after `graceMs` (by default the longest timeout of its functions, and a second) is stopped.
   */
  async drain(graceMs = this.#longestTimeoutMs + blockedGraceMs): Promise<void> {
    if (!this.#alive) return
    this.#tell({ type: 'drain' })
    const timer = setTimeout(() => this.stop('it was still busy after the deploy that replaced it'), graceMs)
    await this.ended
    clearTimeout(timer)
  }

  /** Stops the process at once, recording why. */
  stop(cause: string): void {
    if (!this.#alive) return
    this.#cause ??= cause
    this.#child.kill('SIGKILL')
  }

  #tell(message: CloudToSandbox): void {
    if (this.#alive && this.#child.connected) this.#child.send(message)
  }

  /** Stops a sandbox whose event loop is stuck past a deadline, or whose memory outgrew its functions. */
  #check(): void {
    const now = Date.now()
    let deadline = this.#lastBeat.deadline ?? this.#lastBeat.at + this.#longestTimeoutMs
    for (const owed of this.#owed.values()) deadline = Math.min(deadline, owed.deadline)
    if (now - this.#lastBeat.at > blockedGraceMs && now > deadline + blockedGraceMs) {
      this.stop(
        `its event loop was blocked for ${((now - this.#lastBeat.at) / 1000).toFixed(1)} s, past a function's timeout (an endless loop, or synchronous work that never yields)`,
      )
      return
    }
    const residentMb = residentMemoryMb(this.#child.pid)
    if (residentMb !== undefined && residentMb > this.#memoryLimitMb) {
      this.stop(
        `it used ${residentMb} MB of memory, over the ${this.#memoryLimitMb} MB its functions declare (memoryMb), where Lambda would stop it too`,
      )
    }
  }
}

/** A process's resident memory in MB, from /proc (Linux); undefined where there is no /proc. */
function residentMemoryMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1])
    return Math.round((pages * 4096) / 1024 / 1024)
  } catch {
    return undefined
  }
}
