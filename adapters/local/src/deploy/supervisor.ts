import type { Socket } from 'node:net'
import type { Telemetry } from '../observe/telemetry.js'
import { SandboxEnded } from '../runtime/invoke.js'
import type { Sandbox } from './sandbox.js'

/** Connections held while a sandbox restarts; more than this are answered by the fallback. */
const maxWaitingConnections = 1000
/**
 * A sandbox that ends on its own (given no work) sooner than this after starting is restarted
 * after a pause that grows, up to the longest; one that ends on a handler's fault is restarted at
 * once, as a platform starts a new worker for the next invocation.
 */
const crashLoopMs = 5000
const longestRestartPauseMs = 10_000

/**
 * Keeps one kind of sandbox running, as a platform keeps a function's workers: the one in use,
 * a restart when it ends (after a pause that grows while it keeps ending soon after starting),
 * and the work that waits meanwhile. `start` loads the current build.
 */
export class Supervisor {
  #sandbox: Sandbox | undefined
  #restarting: Promise<void> | undefined
  #waiting: Socket[] = []
  #pauseMs = 0
  #stopped = false
  /** Counts deploys, so a restart that finishes after a deploy does not undo it. */
  #build = 0

  constructor(
    /** What the sandbox runs, for log lines: "HTTP functions", "queue, timer and blob functions". */
    readonly runs: string,
    readonly start: () => Promise<Sandbox>,
    readonly telemetry: Telemetry,
    /** Serves a connection when no sandbox can (by default, closes it). */
    readonly fallback: (socket: Socket) => void = (socket) => socket.destroy(),
  ) {}

  get pid(): number | undefined {
    return this.#sandbox?.pid
  }

  /** Puts a started sandbox in use, hands it the connections that waited, and returns the one it replaces. */
  use(sandbox: Sandbox, options: { restarted?: boolean } = {}): Sandbox | undefined {
    const previous = this.#sandbox
    const started = Date.now()
    this.#sandbox = sandbox
    if (!options.restarted) {
      this.#pauseMs = 0
      this.#build++
    }
    for (const socket of this.#waiting.splice(0)) sandbox.handOff(socket)
    void sandbox.ended.then((cause) => {
      if (this.#sandbox !== sandbox || this.#stopped) return
      this.#sandbox = undefined
      this.#pauseMs =
        !sandbox.worked && Date.now() - started < crashLoopMs
          ? Math.min(Math.max(this.#pauseMs * 2, 100), longestRestartPauseMs)
          : 0
      this.telemetry.platform(
        '-',
        '-',
        'error',
        `the process of the ${this.runs} ended: ${cause}; starting it again`,
        {
          pid: sandbox.pid,
          restartInMs: this.#pauseMs,
        },
      )
      this.#restart()
    })
    return previous === sandbox ? undefined : previous
  }

  /** Takes the sandbox out of use (the new build has nothing for it to run) and returns it. */
  retire(): Sandbox | undefined {
    const previous = this.#sandbox
    this.#sandbox = undefined
    this.#build++
    return previous
  }

  #restart(): void {
    const build = this.#build
    const restarting = new Promise<void>((resolve) => setTimeout(resolve, this.#pauseMs))
      .then(() => this.start())
      .then(
        (sandbox) => {
          if (this.#stopped) return sandbox.stop('the local cloud stopped')
          // A deploy may have changed what runs meanwhile; this one is then not needed.
          if (this.#build !== build) return void sandbox.drain(0)
          this.use(sandbox, { restarted: true })
        },
        (error) => {
          this.telemetry.platform(
            '-',
            '-',
            'error',
            `the process of the ${this.runs} could not start again: ${error instanceof Error ? error.message : String(error)}`,
          )
          this.#pauseMs = Math.min(Math.max(this.#pauseMs * 2, 1000), longestRestartPauseMs)
          if (!this.#stopped && this.#build === build) this.#restart()
        },
      )
      .finally(() => {
        if (this.#restarting !== restarting) return
        this.#restarting = undefined
        for (const socket of this.#waiting.splice(0)) this.accept(socket)
      })
    this.#restarting = restarting
  }

  /** The sandbox to run an invocation in: the one in use, or the one being started. */
  async ready(): Promise<Sandbox> {
    while (!this.#stopped) {
      if (this.#sandbox?.alive) return this.#sandbox
      if (!this.#restarting) break
      await this.#restarting
    }
    throw new SandboxEnded(`the process of the ${this.runs} is not running`)
  }

  /** Hands a connection to the sandbox; holds it while one restarts; else gives it to the fallback. */
  accept(socket: Socket): void {
    if (this.#sandbox?.alive) return void this.#sandbox.handOff(socket)
    if (this.#restarting && this.#waiting.length < maxWaitingConnections)
      return void this.#waiting.push(socket)
    this.fallback(socket)
  }

  stop(): void {
    this.#stopped = true
    this.#sandbox?.stop('the local cloud stopped')
    for (const socket of this.#waiting.splice(0)) socket.destroy()
  }
}
