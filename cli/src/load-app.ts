import { fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Manifest, XfnError } from '@xfn/core'
import type { Project } from './project.js'
import type { RecordOutcome, RecordRequest } from './record-manifest.js'

/**
 * Reads an app's manifest: bundles its entry with esbuild, then imports the bundle in a child
 * process in record mode, where registering functions runs no handler and needs no cloud. The
 * child keeps the user's code (and whatever it does at import time) out of the CLI's process. It
 * starts before esbuild loads and bundles, and is told the bundle's path when it is written, so
 * Node's start and the bundling overlap.
 */
export async function loadManifest(project: Project, env: Record<string, string> = {}): Promise<Manifest> {
  const outDir = join(project.dir, '.xfn', 'manifest')
  await mkdir(outDir, { recursive: true })
  const outfile = join(outDir, `entry-${process.pid}-${randomUUID().slice(0, 8)}.mjs`)
  const recorder = startRecorder(project, env)
  try {
    // esbuild loads after the child has started, so their starts overlap too.
    const { bundle } = await import('@xfn/bundler')
    await bundle({ entry: { file: project.entry }, outfile, production: false, project })
    return await recorder.record(outfile)
  } finally {
    recorder.stop()
    await rm(outfile, { force: true })
    await rm(`${outfile}.map`, { force: true })
  }
}

function startRecorder(project: Project, env: Record<string, string>) {
  const recorder = fileURLToPath(new URL('./record-manifest.js', import.meta.url))
  const child = fork(recorder, [], {
    cwd: project.dir,
    execArgv: ['--enable-source-maps'],
    env: { ...process.env, ...env, XFN_MODE: 'record' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let received: RecordOutcome | undefined
  child.on('message', (message) => {
    received = message as RecordOutcome
  })
  const exited = new Promise<RecordOutcome | undefined>((resolveOutcome, reject) => {
    child.on('error', reject)
    child.on('exit', () => resolveOutcome(received))
  })
  // Not awaited when the bundling fails first; its rejection then has nowhere to go.
  exited.catch(() => {})
  return {
    async record(bundlePath: string): Promise<Manifest> {
      child.send({ bundle: bundlePath, app: project.app } satisfies RecordRequest)
      return manifestFrom(await exited, project)
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill()
    },
  }
}

function manifestFrom(outcome: RecordOutcome | undefined, project: Project): Manifest {
  if (!outcome)
    throw new XfnError(
      'APP_LOAD_FAILED',
      `Loading ${project.entry} ended without a result; see the output above.`,
    )
  if (outcome.ok) return outcome.manifest
  const at = firstUserFrame(outcome.stack, project.dir)
  throw new XfnError(
    (outcome.code ?? 'APP_LOAD_FAILED') as XfnError['code'],
    `${outcome.message}${at ? `\n  at ${at}` : ''}`,
  )
}

/** The first line of a stack that is in the user's code, mapped back to its source by the source map. */
export function firstUserFrame(stack: string | undefined, projectDir: string): string | undefined {
  for (const line of (stack ?? '').split('\n')) {
    const match = /\(?((?:file:\/\/)?\/[^()\s]+:\d+:\d+)\)?\s*$/.exec(line.trim())
    const location = match?.[1]?.replace(/^file:\/\//, '')
    if (!location?.startsWith(projectDir)) continue
    if (/node_modules|\.xfn[/\\]/.test(location)) continue
    return location.slice(projectDir.length + 1)
  }
  return undefined
}
