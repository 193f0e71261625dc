import { DeleteFunctionCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda'
import {
  DeleteParametersCommand,
  PutParameterCommand,
  paginateGetParametersByPath,
} from '@aws-sdk/client-ssm'
import {
  checkRollback,
  pickRelease,
  type ReleaseShape,
  type TargetRelease,
  targetRelease,
  XfnError,
} from '@xfn/core'
import type { AwsClients } from './clients.js'
import type { Desired } from './desired.js'
import { errorName, ifExists } from './errors.js'
import type { ObservedFunction } from './observe.js'
import { type Change, phase, tagList } from './plan/change.js'
import type { AwsLayout } from './target.js'

/*
 * Releases on AWS. Every function's triggers invoke its `live` alias; a deploy that changes a
 * function's code or configuration publishes a version and points the alias at it, then records
 * the release (who, which commit, which version of each function) in an SSM parameter under the
 * app's path, where a teammate's `xfn releases` finds it. A rollback points the aliases back at
 * an earlier release's versions: one call per function, no build, no other resource touched.
 */

/** A release as its SSM parameter holds it. */
export interface AwsRelease extends Omit<TargetRelease, 'live'> {
  /** The version each function (by its Lambda name) runs in this release. */
  readonly versions: Readonly<Record<string, string>>
  readonly shape: ReleaseShape
}

const numberOf = (id: string) => Number(id.slice(1))

/** The app's releases, oldest first. */
export async function readReleases(clients: AwsClients, layout: AwsLayout): Promise<AwsRelease[]> {
  const releases: AwsRelease[] = []
  for await (const page of paginateGetParametersByPath(
    { client: clients.ssm },
    { Path: layout.releasesPath, WithDecryption: false },
  ))
    for (const parameter of page.Parameters ?? []) {
      const id = parameter.Name?.slice(layout.releasesPath.length) ?? ''
      if (!/^r\d+$/.test(id) || !parameter.Value) continue
      try {
        releases.push({ ...(JSON.parse(parameter.Value) as Omit<AwsRelease, 'id'>), id })
      } catch {
        // Not a record xfn wrote; it is not a release.
      }
    }
  return releases.sort((a, b) => numberOf(a.id) - numberOf(b.id))
}

/**
 * The release that runs now: the newest whose functions are exactly those deployed, each with its
 * alias on the release's version. None when the aliases were moved by hand or a deploy stopped
 * before recording.
 */
export function liveRelease(
  releases: readonly AwsRelease[],
  functions: ReadonlyMap<string, Pick<ObservedFunction, 'live'>>,
): AwsRelease | undefined {
  return releases.findLast(
    (release) =>
      Object.keys(release.versions).length === functions.size &&
      [...functions].every(([name, fn]) => fn.live !== undefined && release.versions[name] === fn.live),
  )
}

/**
 * The change that records a deploy as a release, when it publishes a version or leaves the app in
 * a state no release describes, and prunes what is beyond the releases kept; on destroy, the
 * change that deletes every release.
 */
export function releaseChanges(
  desired: Desired,
  observed: {
    readonly functions: ReadonlyMap<string, ObservedFunction>
    readonly releases: readonly AwsRelease[]
  },
  publishing: readonly string[],
): Change[] {
  const { layout } = desired
  const names = observed.releases.map((r) => `${layout.releasesPath}${r.id}`)
  if (desired.functions.length === 0)
    return names.length === 0
      ? []
      : [
          {
            action: 'delete',
            kind: 'releases',
            name: layout.releasesPath,
            reason: `${names.length} release record(s) of the app`,
            phase: phase.deleteFunction,
            run: ({ clients }) => deleteParameters(clients, names),
          },
        ]
  const wanted = new Map(
    desired.functions.map((fn) => [fn.name, { live: observed.functions.get(fn.name)?.live }]),
  )
  if (publishing.length === 0 && liveRelease(observed.releases, wanted)) return []
  const id = `r${Math.max(0, ...observed.releases.map((r) => numberOf(r.id))) + 1}`
  return [
    {
      action: 'create',
      kind: 'release',
      name: id,
      reason:
        publishing.length > 0
          ? `${publishing.length} function(s) get a new version`
          : 'the aliases run no recorded release',
      phase: phase.release,
      async run({ clients, facts }) {
        const versions = Object.fromEntries(
          desired.functions.map((fn) => [
            fn.name,
            facts.versions.get(fn.name) ?? wanted.get(fn.name)?.live ?? '',
          ]),
        )
        const { target, release } = desired
        const record: Omit<AwsRelease, 'id'> = {
          deployedAt: new Date().toISOString(),
          by: target.caller,
          commit: release.commit,
          dirty: release.dirty,
          sha256: release.sha256,
          settingsDigest: release.settingsDigest,
          versions,
          shape: release.shape,
        }
        await clients.ssm.send(
          new PutParameterCommand({
            Name: `${layout.releasesPath}${id}`,
            Value: JSON.stringify(record),
            Type: 'String',
            // Standard up to 4 KB, advanced beyond, as the record of a large app needs.
            Tier: 'Intelligent-Tiering',
            Description: `xfn release ${id} of ${target.app} (${target.stage})`,
            Tags: tagList(desired.tags),
          }),
        )
        const all = [...observed.releases, { ...record, id }]
        const kept = all.slice(-Math.max(1, release.keep))
        await deleteParameters(
          clients,
          all.slice(0, all.length - kept.length).map((r) => `${layout.releasesPath}${r.id}`),
        )
        await deleteVersionsNoReleaseRuns(
          clients,
          desired.functions.map((fn) => fn.name),
          kept,
          observed.functions,
        )
      },
    },
  ]
}

async function deleteParameters(clients: AwsClients, names: readonly string[]) {
  // DeleteParameters takes at most 10 names.
  for (let i = 0; i < names.length; i += 10)
    await clients.ssm.send(new DeleteParametersCommand({ Names: names.slice(i, i + 10) }))
}

/** Deletes the versions of the functions that no kept release runs (an alias's version stays). */
async function deleteVersionsNoReleaseRuns(
  clients: AwsClients,
  functionNames: readonly string[],
  kept: readonly AwsRelease[],
  functions: ReadonlyMap<string, ObservedFunction>,
) {
  for (const name of functionNames) {
    const used = new Set(kept.map((r) => r.versions[name]))
    for (const version of functions.get(name)?.versions.keys() ?? []) {
      if (used.has(version)) continue
      try {
        await ifExists(() =>
          clients.lambda.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: version })),
        )
      } catch (error) {
        // An alias still invokes it (moved by hand): it stays.
        if (errorName(error) !== 'ResourceConflictException') throw error
      }
    }
  }
}

/** The releases as the commands show them, oldest first, the one that runs marked live. */
export function shownReleases(
  releases: readonly AwsRelease[],
  functions: ReadonlyMap<string, Pick<ObservedFunction, 'live'>>,
): TargetRelease[] {
  const live = liveRelease(releases, functions)
  return releases.map((release) => targetRelease(release, release.id === live?.id))
}

/**
 * Points the aliases at a release's versions: `to`, or the release before the live one. Refused
 * when its shape differs from the live release's, unless `codeOnly` and safe; then only the
 * functions it has and the app still has move.
 */
export async function rollbackTo(
  clients: AwsClients,
  layout: AwsLayout,
  state: {
    readonly releases: readonly AwsRelease[]
    readonly functions: ReadonlyMap<string, Pick<ObservedFunction, 'live' | 'versions'>>
  },
  options: { readonly to: string | undefined; readonly codeOnly: boolean },
  commandLine: (...args: string[]) => string,
): Promise<AwsRelease> {
  const { releases, functions } = state
  const live = liveRelease(releases, functions)
  const chosen = pickRelease(releases, live, options.to, commandLine)
  const current = live ?? releases.at(-1)
  if (current && current.id !== chosen.id)
    checkRollback(
      { release: chosen.id, live: current.shape, target: chosen.shape, codeOnly: options.codeOnly },
      commandLine,
    )
  const moves = Object.entries(chosen.versions).filter(([name]) => functions.has(name))
  for (const [name, version] of moves)
    if (!functions.get(name)?.versions.has(version))
      throw new XfnError(
        'RESOURCE_CONFLICT',
        `Version ${version} of ${name}, which release ${chosen.id} runs, no longer exists (deleted outside xfn?); deploy the release's commit instead.`,
      )
  await Promise.all(
    moves
      .filter(([name, version]) => functions.get(name)?.live !== version)
      .map(([name, version]) =>
        clients.lambda.send(
          new UpdateAliasCommand({
            FunctionName: name,
            Name: layout.alias,
            FunctionVersion: version,
            Description: `xfn release ${chosen.id}`,
          }),
        ),
      ),
  )
  return chosen
}
