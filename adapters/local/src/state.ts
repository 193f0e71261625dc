import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { XfnError, xfnCommand } from '@xfn/core'

/** Every file of the local cloud of one project, under `.xfn/local/`. */
export function statePaths(projectDir: string) {
  const root = join(projectDir, '.xfn', 'local')
  return {
    root,
    /** Written by the running cloud: its pid, port and control token. */
    cloud: join(root, 'cloud.json'),
    /** What is deployed: the app module, its functions and its key's hash. */
    deployment: join(root, 'deployment.json'),
    apiKey: join(root, 'api-key'),
    apps: join(root, 'apps'),
    queues: join(root, 'queues.journal'),
    logs: join(root, 'logs.jsonl'),
    invocations: join(root, 'invocations.jsonl'),
    buckets: join(root, 'buckets'),
    output: join(root, 'cloud.log'),
    lock: join(root, 'deploy.lock'),
  }
}

export type StatePaths = ReturnType<typeof statePaths>

export interface CloudInfo {
  readonly pid: number
  /** The app's port. */
  readonly port: number
  /** The port of the control API and signed bucket URLs, apart from the app's routes. */
  readonly servicePort: number
  readonly host: string
  readonly token: string
  readonly startedAt: string
}

export interface Deployment {
  readonly app: string
  /** The app module, copied out of the build so rebuilding does not change what runs. */
  readonly module: string
  readonly sha256: string
  readonly deployedAt: string
  readonly apiKeySha256: string
}

/** What stops the local cloud and deletes its state, which a damaged state file needs. */
const destroy = xfnCommand('destroy', '--yes')

/** Reads a JSON state file; a damaged one is reported with what to do. */
export function readState<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch {
    throw new XfnError(
      'INVALID_OPTIONS',
      `The local cloud's state file ${path} is damaged. Stop the local cloud (${destroy}) or delete the file, then deploy again.`,
      { commands: [destroy] },
    )
  }
}

/** Writes a JSON state file through a temporary file and a rename, so it is never half-written. */
export function writeState(path: string, value: unknown): void {
  mkdirSync(join(path, '..'), { recursive: true })
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 })
  renameSync(temporary, path)
}

/**
 * Whether process `pid` runs `script` (its command line names it): read from /proc, else from ps.
 * Unknown (neither answers) counts as no, so a stranger's process is never signalled.
 */
export function runsScript(pid: number, script: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(script)
  } catch {
    const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
    return ps.status === 0 && ps.stdout.includes(script)
  }
}

/**
 * Makes the state folder readable by its owner alone (0700), also when an older xfn made it
 * with the default mode: it holds the app's key, the queued messages, the buckets and the logs.
 */
export function ensurePrivateFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 })
  chmodSync(path, 0o700)
}

/** State files are written for their owner alone. */
export const privateFileMode = 0o600

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
