import { fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Manifest, XfnError } from '@xfn/core'
import { bundle } from './build/bundle.js'
import type { Project } from './project.js'
import type { RecordOutcome } from './record-manifest.js'

/**
 * Reads an app's manifest: bundles its entry with esbuild, then imports the bundle in a child
 * process in record mode, where registering functions runs no handler and needs no cloud. The
 * child keeps the user's code (and whatever it does at import time) out of the CLI's process.
 */
export async function loadManifest(project: Project, env: Record<string, string> = {}): Promise<Manifest> {
  const outDir = join(project.dir, '.xfn', 'manifest')
  await mkdir(outDir, { recursive: true })
  const outfile = join(outDir, `entry-${process.pid}-${randomUUID().slice(0, 8)}.mjs`)
  try {
    await bundle({ entry: { file: project.entry }, outfile, production: false, project })
    return await recordInChild(project, outfile, env)
  } finally {
    await rm(outfile, { force: true })
    await rm(`${outfile}.map`, { force: true })
  }
}

async function recordInChild(
  project: Project,
  bundlePath: string,
  env: Record<string, string>,
): Promise<Manifest> {
  const recorder = fileURLToPath(new URL('./record-manifest.js', import.meta.url))
  const child = fork(recorder, [bundlePath, project.app], {
    cwd: project.dir,
    execArgv: ['--enable-source-maps'],
    env: { ...process.env, ...env, XFN_MODE: 'record' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const outcome = await new Promise<RecordOutcome | undefined>((resolveOutcome, reject) => {
    let received: RecordOutcome | undefined
    child.on('message', (message) => {
      received = message as RecordOutcome
    })
    child.on('error', reject)
    child.on('exit', () => resolveOutcome(received))
  })
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
