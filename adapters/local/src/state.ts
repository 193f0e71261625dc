import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { XfnError, xfnCommand } from '@xfn/core'
import { secretsFile } from './secrets.js'

/** Every file of the local cloud of one project, under `.xfn/local/`. */
export function statePaths(projectDir: string) {
  const root = join(projectDir, '.xfn', 'local')
  return {
    root,
    /** Written by the running cloud: its pid, port and control token. */
    cloud: join(root, 'cloud.json'),
    /** What is deployed: the app module, its functions and its key's hash. */
    deployment: join(root, 'deployment.json'),
    /** Every deploy that changed the code or the settings, newest last (see releases.ts). */
    releases: join(root, 'releases.json'),
    apiKey: join(root, 'api-key'),
    apps: join(root, 'apps'),
    queues: join(root, 'queues.journal'),
    logs: join(root, 'logs.jsonl'),
    invocations: join(root, 'invocations.jsonl'),
    buckets: join(root, 'buckets'),
    /** Outside root, so that destroying the local cloud keeps the secrets. */
    secrets: secretsFile(projectDir),
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
  /** The cloud's command line after the node binary, so a reused pid is never taken for it. */
  readonly argv?: readonly string[]
}

export interface Deployment {
  readonly app: string
  /** The app module, copied out of the build so rebuilding does not change what runs. */
  readonly module: string
  readonly sha256: string
  readonly deployedAt: string
  readonly apiKeySha256: string
  /** The app's settings, over the cloud's own environment in its sandboxes (absent before settings). */
  readonly env?: Readonly<Record<string, string>>
}

/** What stops the local cloud and keeps its data; a deploy then writes the state files anew. */
const stop = xfnCommand('destroy', '--keep-data', '--yes')
const deploy = xfnCommand('deploy')

/** Reads a JSON state file; a damaged one is reported with what to do. */
export function readState<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch {
    throw new XfnError(
      'INVALID_OPTIONS',
      `The local cloud's state file ${path} is damaged. Stop the local cloud, keeping its queued messages and buckets (${stop}), then deploy again (${deploy}), which writes it anew.`,
      { commands: [stop, deploy] },
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

/** A process's command line, from /proc, else from ps; undefined when it does not run (or is a zombie). */
function commandLineOf(pid: number): string[] | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    return args.length > 0 ? args : undefined
  } catch {
    if (existsSync('/proc')) return undefined
    const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
    return ps.status === 0 && ps.stdout.trim() ? ps.stdout.trim().split(/\s+/) : undefined
  }
}

/**
 * Whether the cloud cloud.json describes still runs: its pid runs the command it recorded. A pid
 * is reused once its process is gone, and a killed process lingers a moment as a zombie; neither
 * is the cloud, so neither is signalled or waited for.
 */
export function isCloudProcess(info: CloudInfo): boolean {
  const args = commandLineOf(info.pid)
  if (!args) return false
  // Before clouds recorded their command: the pid alone.
  if (!info.argv) return true
  return args.join(' ').endsWith(info.argv.join(' '))
}

/**
 * The background cloud of a project found among the processes, for when cloud.json cannot say
 * (it is damaged): a process running `script` for `projectDir`. Linux only (/proc).
 */
export function findCloudProcess(script: string, projectDir: string): number | undefined {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return undefined
  }
  for (const pid of pids) {
    const args = commandLineOf(Number(pid))
    const at = args?.indexOf(script) ?? -1
    if (args && at >= 0 && args[at + 1] === projectDir) return Number(pid)
  }
  return undefined
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

/** What a refused write means, said for a person: the disk is full, read-only, or not ours. */
export function unwritable(path: string, error: NodeJS.ErrnoException): XfnError {
  const reasons: Record<string, string> = {
    ENOSPC: 'the disk is full (ENOSPC); free some space',
    EDQUOT: 'the disk quota is used up (EDQUOT); free some space',
    EROFS: 'the file system is read-only (EROFS)',
    EACCES: 'permission is denied (EACCES); make the folder writable by you',
    EPERM: 'the operation is not permitted (EPERM); make the folder writable by you',
  }
  const reason = reasons[error.code ?? ''] ?? error.message
  return new XfnError('UNAVAILABLE', `The local cloud cannot write ${path}: ${reason}.`, { cause: error })
}
