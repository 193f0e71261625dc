import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CommandHint, hashApiKey, pickRelease, settingsDigest, XfnError, xfnCommand } from '@xfn/core'
import { readReleases, recordRelease } from '../releases.js'
import {
  type CloudInfo,
  type Deployment,
  ensurePrivateFolder,
  findCloudProcess,
  isCloudProcess,
  privateFileMode,
  processAlive,
  readState,
  type StatePaths,
  statePaths,
  writeState,
} from '../state.js'

/** The script of the background cloud process. */
const cloudMain = fileURLToPath(new URL('./main.js', import.meta.url))
/** Keys shorter than this (an emptied or cut file) are replaced, never trusted. */
const minimumKeyLength = 16

const deployCommand = xfnCommand('deploy')
/** Stops the cloud and keeps its queued messages, buckets, logs and key; a deploy then starts it again. */
const stopCommand = xfnCommand('destroy', '--keep-data', '--yes')
/** The commands an error of the cloud process named (as their arguments), for the CLI to print. */
const hintsOf = (commands: string[][] | undefined) => (commands ?? []).map((args) => new CommandHint(args))

/** The port the local cloud listens on unless told otherwise. */
export const defaultPort = 4747

/** A local build to deploy: the app's name, its module and the module's hash, and its settings. */
export interface BuildToDeploy {
  readonly app: string
  readonly module: string
  readonly sha256: string
  /** The app's settings (`env` of xfn.config.ts), in every function's process.env. */
  readonly env?: Readonly<Record<string, string>>
  /** Who deploys, from which commit of the app's folder, and how many releases to keep. */
  readonly release?: {
    readonly by?: string
    readonly commit?: string
    readonly dirty?: boolean
    readonly keep?: number
  }
}

export type CloudStatus = {
  pid: number
  port: number
  url: string
  app?: string
  deployedAt?: string
  functions: {
    name: string
    trigger: string
    endpoint?: string
    methods?: readonly string[]
    auth?: string
    /** The queue it consumes; for a topic subscription, the subscription's own (`<topic>.<function>`). */
    queue?: string
    topic?: string
    bucket?: string
    folder?: string
  }[]
  queues: Record<string, { visible: number; hidden: number }>
}

/**
 * The CLI's side of the local cloud of one project: finds the running cloud through cloud.json,
 * starts it detached when needed, and talks to its control API.
 */
export class LocalCloudClient {
  readonly paths: StatePaths

  constructor(readonly projectDir: string) {
    this.paths = statePaths(projectDir)
  }

  /**
   * The running cloud, or undefined when none runs: a cloud.json whose process is gone (or is a
   * zombie, or whose pid another process now has) is ignored, and so is a damaged one, unless the
   * cloud it described still runs, which the user is then told how to stop.
   */
  running(): CloudInfo | undefined {
    let info: CloudInfo | undefined
    try {
      info = readState<CloudInfo>(this.paths.cloud)
    } catch {
      const pid = findCloudProcess(cloudMain, this.projectDir)
      if (pid === undefined) return undefined
      throw new XfnError(
        'INVALID_OPTIONS',
        `The local cloud's state file ${this.paths.cloud} is damaged, while its cloud (pid ${pid}) still runs. Stop it, keeping its queued messages and buckets: ${stopCommand}; then deploy again.`,
        { commands: [stopCommand, deployCommand] },
      )
    }
    return info && isCloudProcess(info) ? info : undefined
  }

  /**
   * Deploys a local build: copies its module into the cloud's state, keeps or makes the app's key,
   * records the deployment, then has the running cloud load it, or starts a cloud that will.
   */
  async deploy(build: BuildToDeploy, options: { port?: number } = {}) {
    const release = this.#lock()
    try {
      const { apiKey } = this.prepare(build)
      const running = this.running()
      if (running) {
        if (options.port !== undefined && options.port !== running.port) {
          throw new XfnError(
            'INVALID_OPTIONS',
            `The local cloud already runs on port ${running.port}; destroy it first to move it to port ${options.port}.`,
          )
        }
        return {
          status: await this.#call<CloudStatus>(running, 'POST', '/_xfn/deploy'),
          apiKey,
          started: false,
        }
      }
      const info = await this.#start(options.port ?? defaultPort)
      return { status: await this.#call<CloudStatus>(info, 'GET', '/_xfn/status'), apiKey, started: true }
    } finally {
      release()
    }
  }

  /** Copies a build's module into the cloud's state, keeps or makes the key, and records the deployment. */
  prepare(build: BuildToDeploy): { deployment: Deployment; apiKey: string } {
    // One folder per build, so the module keeps the source map its last line names.
    const folder = join(this.paths.apps, build.sha256)
    mkdirSync(folder, { recursive: true })
    const module = join(folder, basename(build.module))
    copyFileSync(build.module, module)
    if (existsSync(`${build.module}.map`)) {
      // The map names sources relative to where it was built; make them absolute for the copy.
      const map = JSON.parse(readFileSync(`${build.module}.map`, 'utf8')) as { sources: string[] }
      map.sources = map.sources.map((source) => resolve(dirname(build.module), source))
      writeFileSync(`${module}.map`, JSON.stringify(map))
    }
    const apiKey = this.apiKey()
    const deployment: Deployment = {
      app: build.app,
      module,
      sha256: build.sha256,
      deployedAt: new Date().toISOString(),
      apiKeySha256: hashApiKey(apiKey),
      env: build.env ?? {},
    }
    writeState(this.paths.deployment, deployment)
    recordRelease(
      this.paths.releases,
      {
        deployedAt: deployment.deployedAt,
        by: build.release?.by,
        commit: build.release?.commit,
        dirty: build.release?.dirty,
        sha256: build.sha256,
        module,
        env: deployment.env ?? {},
      },
      build.release?.keep,
    )
    return { deployment, apiKey }
  }

  /** The releases, newest last, each marked live when it is what the cloud runs. */
  releases() {
    const deployment = readState<Deployment>(this.paths.deployment)
    const live = deployment && settingsDigest(deployment.env ?? {})
    return readReleases(this.paths.releases).map((release) => {
      const digest = settingsDigest(release.env)
      return {
        ...release,
        settingsDigest: digest,
        live: release.module === deployment?.module && digest === live,
      }
    })
  }

  /**
   * Makes a release live again without a rebuild: its build and settings become the deployment,
   * and the running cloud loads them, as for a deploy. By default, the release before the live one.
   */
  async rollback(to: string | undefined, commandLine: (...args: string[]) => string) {
    const release = this.#lock()
    try {
      const releases = this.releases()
      const chosen = pickRelease(
        releases,
        releases.find((r) => r.live),
        to,
        commandLine,
      )
      if (!existsSync(chosen.module))
        throw new XfnError(
          'INVALID_OPTIONS',
          `The build of release ${chosen.id} is gone (${chosen.module}); deploy it again from its commit.`,
        )
      const running = this.running()
      if (!running)
        throw new XfnError(
          'INVALID_OPTIONS',
          `The local cloud is not running; start it with: ${xfnCommand('deploy')}`,
          {
            commands: [xfnCommand('deploy')],
          },
        )
      const current = readState<Deployment>(this.paths.deployment)
      writeState(this.paths.deployment, {
        ...current,
        module: chosen.module,
        sha256: chosen.sha256,
        env: chosen.env,
        deployedAt: new Date().toISOString(),
      })
      await this.#call<CloudStatus>(running, 'POST', '/_xfn/deploy')
      return { ...chosen, live: true }
    } finally {
      release()
    }
  }

  /** The app's key: made at the first deploy, kept in .xfn/local/api-key (an empty or short one is replaced). */
  apiKey(): string {
    ensurePrivateFolder(this.paths.root)
    if (existsSync(this.paths.apiKey)) {
      chmodSync(this.paths.apiKey, privateFileMode)
      const kept = readFileSync(this.paths.apiKey, 'utf8').trim()
      if (kept.length >= minimumKeyLength) return kept
    }
    const key = randomBytes(24).toString('base64url')
    writeFileSync(this.paths.apiKey, `${key}\n`, { mode: privateFileMode })
    return key
  }

  async status(): Promise<CloudStatus | undefined> {
    const info = this.running()
    return info ? this.#call<CloudStatus>(info, 'GET', '/_xfn/status') : undefined
  }

  /**
   * Stops the cloud and removes everything of the app: its deployment, queues, buckets, logs;
   * with `keepData`, stops it and keeps all that, for the next deploy to start from.
   */
  async destroy(options: { keepData?: boolean } = {}): Promise<{ stopped: boolean }> {
    const stopped = await this.#stop()
    if (options.keepData) rmSync(this.paths.cloud, { force: true })
    else rmSync(this.paths.root, { recursive: true, force: true })
    return { stopped }
  }

  /** Stops the cloud: through its control API, else with a signal to the process that is surely it. */
  async #stop(): Promise<boolean> {
    let info: CloudInfo | undefined
    try {
      info = readState<CloudInfo>(this.paths.cloud)
    } catch {
      // A damaged cloud.json: the cloud, if one runs, is found among the processes.
    }
    const pid = info
      ? isCloudProcess(info)
        ? info.pid
        : undefined
      : findCloudProcess(cloudMain, this.projectDir)
    if (pid === undefined) return false
    try {
      if (!info) throw new Error('no control token')
      await this.#call(info, 'POST', '/_xfn/shutdown')
    } catch {
      process.kill(pid, 'SIGTERM')
    }
    await waitFor(
      () =>
        !processAlive(pid) || !(info ? isCloudProcess(info) : findCloudProcess(cloudMain, this.projectDir)),
      10_000,
    )
    return true
  }

  async send(queue: string, bodies: string[]): Promise<string[]> {
    return (
      await this.#call<{ ids: string[] }>(
        this.#need(),
        'POST',
        `/_xfn/queues/${encodeURIComponent(queue)}/messages`,
        { bodies },
      )
    ).ids
  }

  async messages(queue: string) {
    return (
      await this.#call<{ messages: { id: string; body: string; attempt: number; enqueuedAt: string }[] }>(
        this.#need(),
        'GET',
        `/_xfn/queues/${encodeURIComponent(queue)}/messages`,
      )
    ).messages
  }

  /** Runs a queue, timer or blob function once, now (see LocalCloud.invoke). */
  async invoke(functionName: string, data: string) {
    return this.#call<{ invocationId: string; ok: boolean; error?: string }>(
      this.#need(),
      'POST',
      `/_xfn/invoke/${encodeURIComponent(functionName)}`,
      { data },
    )
  }

  /** The event one of the last queue, topic, timer or blob invocations was given. */
  async invocation(invocationId: string) {
    return this.#call<{ function: string; event: unknown }>(
      this.#need(),
      'GET',
      `/_xfn/invocations/${encodeURIComponent(invocationId)}`,
    )
  }

  async redrive(queue: string): Promise<number> {
    return (
      await this.#call<{ moved: number }>(
        this.#need(),
        'POST',
        `/_xfn/queues/${encodeURIComponent(queue)}/redrive`,
      )
    ).moved
  }

  #need(): CloudInfo {
    const info = this.running()
    if (!info)
      throw new XfnError(
        'INVALID_OPTIONS',
        `The local cloud of ${this.projectDir} is not running. Start it with: ${deployCommand}`,
        { commands: [deployCommand] },
      )
    return info
  }

  async #start(port: number): Promise<CloudInfo> {
    ensurePrivateFolder(this.paths.root)
    const output = openSync(this.paths.output, 'a', privateFileMode)
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', cloudMain, this.projectDir, String(port)],
      {
        detached: true,
        stdio: ['ignore', output, output],
      },
    )
    let exited: number | null | undefined
    child.on('exit', (code) => {
      exited = code
    })
    const ready = await waitFor(
      () => exited !== undefined || readState<CloudInfo>(this.paths.cloud)?.pid === child.pid,
      15_000,
    )
    if (!ready || exited !== undefined) {
      const log = existsSync(this.paths.output) ? readFileSync(this.paths.output, 'utf8') : ''
      const line = log.split('\n').findLast((l) => l.startsWith('{"startError":'))
      const failure = line ? (JSON.parse(line) as { startError: string; commands?: string[][] }) : undefined
      throw new XfnError(
        'INVALID_OPTIONS',
        failure?.startError ?? `The local cloud did not start; see ${this.paths.output}.`,
        { commands: hintsOf(failure?.commands) },
      )
    }
    child.unref()
    return readState<CloudInfo>(this.paths.cloud) as CloudInfo
  }

  async #call<T>(info: CloudInfo, method: string, path: string, body?: unknown): Promise<T> {
    let response: Response
    const request = () =>
      fetch(`http://${info.host}:${info.servicePort ?? info.port}${path}`, {
        method,
        headers: { 'x-xfn-token': info.token, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    try {
      try {
        response = await request()
      } catch (error) {
        // A kept-alive connection the cloud closed as the request went out: nothing reached it, so
        // sending again is safe. Anything else is reported below.
        if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw error
        response = await request()
      }
    } catch (error) {
      throw new XfnError(
        'CLOUD_ERROR',
        `The local cloud (pid ${info.pid}) does not answer on port ${info.servicePort ?? info.port}. Stop it, keeping its queued messages and buckets: ${stopCommand}; then deploy again.`,
        { cause: error, commands: [stopCommand, deployCommand] },
      )
    }
    const answer = (await response.json()) as T & { error?: string; commands?: string[][] }
    if (!response.ok) {
      // A refused request (400) is the user's to fix, a full disk (503) the machine's; anything else the cloud's.
      const code =
        response.status === 400 ? 'INVALID_OPTIONS' : response.status === 503 ? 'UNAVAILABLE' : 'CLOUD_ERROR'
      const message = answer.error ?? 'no reason given'
      throw new XfnError(
        code,
        code === 'CLOUD_ERROR' ? `The local cloud answered ${response.status}: ${message}` : message,
        {
          commands: hintsOf(answer.commands),
        },
      )
    }
    return answer
  }

  /** One deploy at a time per project: a lock file naming the deploying process. */
  #lock(): () => void {
    ensurePrivateFolder(this.paths.root)
    try {
      writeFileSync(this.paths.lock, String(process.pid), { flag: 'wx' })
    } catch {
      const holder = Number(readFileSync(this.paths.lock, 'utf8'))
      if (holder && holder !== process.pid && processAlive(holder)) {
        throw new XfnError(
          'INVALID_OPTIONS',
          `Another deploy to the local cloud is under way (process ${holder}). Wait for it to finish, then deploy again.`,
        )
      }
      writeFileSync(this.paths.lock, String(process.pid))
    }
    return () => rmSync(this.paths.lock, { force: true })
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (condition()) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return condition()
}
