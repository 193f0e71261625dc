import { defaultReleasesKept, settingsDigest, type TargetRelease } from '@xfn/core'
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
  keep = defaultReleasesKept,
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
