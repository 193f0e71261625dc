import { createHash } from 'node:crypto'
import { readState, writeState } from './state.js'

/*
 * The local cloud's releases: every deploy that changes the code or the settings is recorded in
 * `.xfn/local/releases.json`, the newest last, with the build it ran (kept under
 * `.xfn/local/apps/<sha256>/`), so a rollback swaps it back in without a rebuild. The last
 * `keep` are kept (10 by default); the cloud deletes the builds that no kept release names and
 * that do not run.
 */

export interface LocalRelease {
  readonly id: string
  readonly deployedAt: string
  readonly by: string | undefined
  readonly commit: string | undefined
  readonly dirty: boolean | undefined
  readonly sha256: string
  readonly settingsDigest: string
  /** The module the cloud loads, and the settings it ran with. */
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
  deployed: Omit<LocalRelease, 'id' | 'settingsDigest'>,
  keep = defaultKeep,
): LocalRelease[] {
  const releases = readReleases(file)
  const digest = settingsDigest(deployed.env)
  const newest = releases.at(-1)
  if (newest && newest.sha256 === deployed.sha256 && newest.settingsDigest === digest) return releases
  const number = Number(newest?.id.slice(1) ?? 0) + 1
  const kept = [...releases, { ...deployed, id: `r${number}`, settingsDigest: digest }].slice(
    -Math.max(1, keep),
  )
  writeState(file, kept)
  return kept
}
