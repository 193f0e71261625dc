import { createHash } from 'node:crypto'
import type { TargetRelease } from '@xfn/core'
import { readState, writeState } from './state.js'

/*
 * The local cloud's releases: every deploy that changes the code or the settings is recorded in
 * `.xfn/local/releases.json`, the newest last, with the build it ran (kept under
 * `.xfn/local/apps/<sha256>/`), so a rollback swaps it back in without a rebuild. The last
 * `keep` are kept (10 by default); the cloud deletes the builds that no kept release names and
 * that do not run.
 */

/** A release as the target contract gives it, with the module the cloud loads and the settings it ran with. */
export interface LocalRelease extends Omit<TargetRelease, 'live' | 'settingsDigest'> {
  readonly module: string
  readonly env: Readonly<Record<string, string>>
}

export const defaultKeep = 10

/** A digest of settings: the same settings, in any order, give the same one. */
export function settingsDigest(env: Readonly<Record<string, string>>): string {
  const sorted = Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16)
}

export function readReleases(file: string): LocalRelease[] {
  return readState<LocalRelease[]>(file) ?? []
}

/**
 * Records a deploy as a release, unless it runs what the newest release runs, and keeps the last
 * `keep`. Returns the releases, newest last.
 */
export function recordRelease(
  file: string,
  deployed: Omit<LocalRelease, 'id'>,
  keep = defaultKeep,
): LocalRelease[] {
  const releases = readReleases(file)
  const newest = releases.at(-1)
  if (
    newest &&
    newest.sha256 === deployed.sha256 &&
    settingsDigest(newest.env) === settingsDigest(deployed.env)
  )
    return releases
  const number = Number(newest?.id.slice(1) ?? 0) + 1
  const kept = [...releases, { ...deployed, id: `r${number}` }].slice(-Math.max(1, keep))
  writeState(file, kept)
  return kept
}
