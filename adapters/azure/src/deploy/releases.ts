import { checkRollback, pickRelease, type ReleaseShape, type TargetRelease, XfnError } from '@xfn/core'
import type { ApplyContext, Change, Facts } from './apply-context.js'
import { tokenClaims } from './clients.js'
import type { Desired } from './desired.js'
import { managedSettingsName } from './desired.js'
import type { Observed } from './observe.js'
import { type PublishContext, publishPackage } from './publish.js'
import { type AzureLayout, byId } from './target.js'

/*
 * Releases on Azure. A Function App runs one package for all its functions, and Flex Consumption
 * has no deployment slots, so a release is its package and settings, kept in the app's own
 * deployment container (`xfn-releases/`) where a teammate's `xfn releases` finds them. A rollback
 * publishes the kept package again and restores the app's settings: no build, no infrastructure
 * change. The site's `xfn:release` tag names the release it runs.
 */

/** A release as its blob holds it. */
export interface AzureRelease extends Omit<TargetRelease, 'live'> {
  /** The app's settings (`env` of xfn.config.ts) it ran with, which a rollback restores. */
  readonly settings: Readonly<Record<string, string>>
  readonly shape: ReleaseShape
}

/** The site tag naming the release it runs. */
export const releaseTag = 'xfn:release'
const folder = 'xfn-releases/'
const packageBlob = (sha256: string) => `${folder}packages/${sha256}.zip`
const numberOf = (id: string) => Number(id.slice(1))

/** The deployment container, reached with the storage account's key. */
async function container(layout: AzureLayout, facts: Pick<Facts, 'blobEndpoint' | 'storageKey'>) {
  const { ContainerClient, StorageSharedKeyCredential } = await import('@azure/storage-blob')
  const endpoint = (facts.blobEndpoint ?? '').replace(/\/?$/, '/')
  return new ContainerClient(
    `${endpoint}${layout.deploymentContainer}`,
    new StorageSharedKeyCredential(layout.storageAccount, facts.storageKey ?? ''),
  )
}

/** The app's releases, oldest first; none before the storage account exists. */
export async function readReleases(
  layout: AzureLayout,
  facts: Pick<Facts, 'blobEndpoint' | 'storageKey'>,
): Promise<AzureRelease[]> {
  if (!facts.storageKey || !facts.blobEndpoint) return []
  const client = await container(layout, facts)
  if (!(await client.exists())) return []
  const releases: AzureRelease[] = []
  for await (const blob of client.listBlobsFlat({ prefix: folder })) {
    const id = blob.name.slice(folder.length).replace(/\.json$/, '')
    if (!/^r\d+$/.test(id)) continue
    const text = (await client.getBlockBlobClient(blob.name).downloadToBuffer()).toString('utf8')
    try {
      releases.push({ ...(JSON.parse(text) as Omit<AzureRelease, 'id'>), id })
    } catch {
      // Not a record xfn wrote; it is not a release.
    }
  }
  return releases.sort((a, b) => numberOf(a.id) - numberOf(b.id))
}

/** The release the site runs: the one its tag names, if that is the package it runs. */
export function liveRelease(
  releases: readonly AzureRelease[],
  tags: Readonly<Record<string, string>> | undefined,
  packageTag: string,
): AzureRelease | undefined {
  const named = releases.find((r) => r.id === tags?.[releaseTag])
  return named && named.sha256 === tags?.[packageTag] ? named : undefined
}

/**
 * The change that records a deploy as a release (its package kept beside it), when it publishes
 * or changes the settings or runs what no release describes, and prunes beyond those kept.
 */
export function releaseChanges(
  desired: Desired,
  observed: Pick<Observed, 'site'> & { readonly releases: readonly AzureRelease[] },
  packageTag: string,
  phase: number,
): Change[] {
  const live = liveRelease(observed.releases, observed.site?.tags, packageTag)
  if (live && live.sha256 === desired.packageSha256 && live.settingsDigest === desired.release.settingsDigest)
    return []
  const id = `r${Math.max(0, ...observed.releases.map((r) => numberOf(r.id))) + 1}`
  return [
    {
      action: 'create',
      kind: 'release',
      name: id,
      reason: `package ${desired.packageSha256.slice(0, 12)} and its settings, kept to roll back to`,
      phase,
      async run({ clients, facts }) {
        const { layout, release } = desired
        const client = await container(layout, facts)
        const record: Omit<AzureRelease, 'id'> = {
          deployedAt: new Date().toISOString(),
          by: await signedIn(clients),
          commit: release.commit,
          dirty: release.dirty,
          sha256: desired.packageSha256,
          settingsDigest: release.settingsDigest,
          settings: desired.settings,
          shape: release.shape,
        }
        await client.getBlockBlobClient(packageBlob(desired.packageSha256)).uploadData(desired.zip)
        const json = JSON.stringify(record)
        await client
          .getBlockBlobClient(`${folder}${id}.json`)
          .upload(json, Buffer.byteLength(json), { blobHTTPHeaders: { blobContentType: 'application/json' } })
        await tagSite(clients, layout, { [releaseTag]: id })
        const all = [...observed.releases, { ...record, id }]
        const kept = all.slice(-Math.max(1, release.keep))
        const keptPackages = new Set(kept.map((r) => r.sha256))
        for (const gone of all.slice(0, all.length - kept.length)) {
          await client.getBlockBlobClient(`${folder}${gone.id}.json`).deleteIfExists()
          if (!keptPackages.has(gone.sha256))
            await client.getBlockBlobClient(packageBlob(gone.sha256)).deleteIfExists()
        }
      },
    },
  ]
}

async function tagSite(clients: ApplyContext['clients'], layout: AzureLayout, tags: Record<string, string>) {
  await clients.resources.tagsOperations.beginUpdateAtScopeAndWait(byId(layout.siteId), {
    operation: 'Merge',
    properties: { tags },
  })
}

/** Who is signed in: the user's name, or the application or object id of a service principal. */
async function signedIn(clients: ApplyContext['clients']): Promise<string | undefined> {
  const claims = await tokenClaims(clients)
  return claims.upn ?? claims.unique_name ?? claims.appid ?? claims.oid
}

/**
 * Makes a release live again: publishes its kept package and puts back its settings. A release
 * of another shape is refused: one package holds every function, so no part of it can come back
 * alone.
 */
export async function rollbackTo(
  context: PublishContext,
  state: {
    readonly releases: readonly AzureRelease[]
    readonly site: {
      readonly tags: Readonly<Record<string, string>>
      readonly settings: Record<string, string>
    }
    readonly packageTag: string
  },
  options: { readonly to: string | undefined },
  commandLine: (...args: string[]) => string,
): Promise<AzureRelease> {
  const { releases, site } = state
  const live = liveRelease(releases, site.tags, state.packageTag)
  const chosen = pickRelease(releases, live, options.to, commandLine)
  const current = live ?? releases.at(-1)
  if (current && current.id !== chosen.id)
    checkRollback(
      { release: chosen.id, live: current.shape, target: chosen.shape, codeOnly: false, partial: false },
      commandLine,
    )
  const client = await container(context.layout, context.facts)
  const blob = client.getBlockBlobClient(packageBlob(chosen.sha256))
  if (!(await blob.exists()))
    throw new XfnError(
      'RESOURCE_CONFLICT',
      `The package of release ${chosen.id} is gone from ${context.layout.deploymentContainer}/${packageBlob(chosen.sha256)}; deploy the release's commit instead.`,
    )
  const zip = await blob.downloadToBuffer()
  await restoreSettings(context, site.settings, current?.settings ?? {}, chosen.settings)
  await publishPackage(context, { zip, sha256: chosen.sha256 }, { [releaseTag]: chosen.id })
  return chosen
}

/** Replaces the settings one release ran with by another's, keeping xfn's list of its own right. */
async function restoreSettings(
  { clients, layout }: PublishContext,
  current: Record<string, string>,
  from: Readonly<Record<string, string>>,
  to: Readonly<Record<string, string>>,
) {
  const same =
    Object.keys(from).length === Object.keys(to).length && Object.entries(to).every(([k, v]) => from[k] === v)
  if (same) return
  const next: Record<string, string> = { ...current }
  for (const name of Object.keys(from)) delete next[name]
  Object.assign(next, to)
  const managed = new Set((current[managedSettingsName] ?? '').split(',').filter(Boolean))
  for (const name of Object.keys(from)) managed.delete(name)
  for (const name of Object.keys(to)) managed.add(name)
  next[managedSettingsName] = [...managed].sort().join(',')
  await clients.web.webApps.updateApplicationSettings(layout.resourceGroup, layout.functionApp, {
    properties: next,
  })
}
