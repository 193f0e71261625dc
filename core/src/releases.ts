import { XfnError } from './errors.js'
import type { Manifest, ManifestTrigger } from './manifest.js'
import type { TargetRelease } from './target.js'

/*
 * What every target records of a release besides its package, and the rules a rollback follows
 * whichever cloud it runs on: how many releases are kept, and when an earlier release's code can
 * run with the resources the app has now.
 */

/** How many releases a target keeps when `releases.keep` in xfn.config.ts does not say. */
export const defaultReleasesKept = 10

/** `releases.keep` of xfn.config.ts (checked when the config loads), or the default. */
export function releasesKept(config: object): number {
  return (config as { releases?: { keep?: number } }).releases?.keep ?? defaultReleasesKept
}

/**
 * A release as the commands show it: what the target contract names, without what a target
 * keeps beside it to roll back (versions, packages, settings, shape).
 */
export function targetRelease(release: Omit<TargetRelease, 'live'>, live: boolean): TargetRelease {
  const { id, deployedAt, by, commit, dirty, sha256, settingsDigest } = release
  return { id, deployedAt, by, commit, dirty, sha256, settingsDigest, live }
}

/** A digest of settings: the same settings, in any order, give the same one. */
export function settingsDigest(env: Readonly<Record<string, string>>): string {
  const sorted = Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  // Loaded here, not when a bundle imports core (see names.ts).
  const { createHash } = process.getBuiltinModule('node:crypto')
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16)
}

/**
 * What a release's code expects of the app around it: each function's trigger and the resources
 * it uses, and the resources the app declares. Two releases of the same shape can replace each
 * other's code; releases of different shapes cannot without changing the resources too.
 */
export interface ReleaseShape {
  /** By function name: its trigger, such as `queue orders` or `http GET,POST /orders`. */
  readonly triggers: Readonly<Record<string, string>>
  /** By function name: what it uses, such as `queue orders`, sorted. */
  readonly uses: Readonly<Record<string, readonly string[]>>
  /** The app's queues, buckets, topics and secrets, such as `bucket receipts`, sorted. */
  readonly resources: readonly string[]
}

function triggerOf(trigger: ManifestTrigger): string {
  switch (trigger.type) {
    case 'http':
      return `http ${trigger.methods.join(',')} ${trigger.route}`
    case 'queue':
      return `queue ${trigger.queue}`
    case 'timer':
      return 'schedule' in trigger ? `timer ${trigger.schedule}` : `timer every ${trigger.every}`
    case 'blob':
      return `blob ${trigger.bucket}`
    case 'topic':
      return `topic ${trigger.topic}`
  }
}

export function releaseShape(manifest: Manifest): ReleaseShape {
  const sorted = (list: Iterable<string>) => [...new Set(list)].sort()
  return {
    triggers: Object.fromEntries(manifest.functions.map((fn) => [fn.name, triggerOf(fn.trigger)])),
    uses: Object.fromEntries(
      manifest.functions.map((fn) => [fn.name, sorted(fn.uses.map((g) => `${g.resource} ${g.name}`))]),
    ),
    resources: sorted([
      ...manifest.queues.map((q) => `queue ${q.name}`),
      ...manifest.buckets.map((b) => `bucket ${b.name}`),
      ...(manifest.topics ?? []).map((t) => `topic ${t.name}`),
      ...(manifest.secrets ?? []).map((s) => `secret ${s.name}`),
    ]),
  }
}

/**
 * How the app deployed now (`live`) differs from what an earlier release's code expects
 * (`release`), one sentence each, and whether that code can still run on what exists: every
 * function of the release is still there with the same trigger, and may still use everything it
 * used then.
 */
export function shapeDifferences(
  live: ReleaseShape,
  release: ReleaseShape,
): { readonly differences: readonly string[]; readonly codeOnlySafe: boolean } {
  const differences: string[] = []
  let codeOnlySafe = true
  const names = [...new Set([...Object.keys(live.triggers), ...Object.keys(release.triggers)])].sort()
  for (const name of names) {
    const now = live.triggers[name]
    const then = release.triggers[name]
    if (now === then) continue
    if (now === undefined) {
      differences.push(`function '${name}' (${then}) is no longer deployed`)
      codeOnlySafe = false
    } else if (then === undefined) differences.push(`function '${name}' (${now}) was added since`)
    else {
      differences.push(`function '${name}' was ${then}, is now ${now}`)
      codeOnlySafe = false
    }
  }
  const resourcesNow = new Set(live.resources)
  const resourcesThen = new Set(release.resources)
  for (const resource of release.resources)
    if (!resourcesNow.has(resource)) differences.push(`${resource} is gone`)
  for (const resource of live.resources)
    if (!resourcesThen.has(resource)) differences.push(`${resource} was added since`)
  for (const name of Object.keys(release.uses)) {
    if (live.triggers[name] === undefined) continue
    const used = release.uses[name] ?? []
    const usedNow = live.uses[name] ?? []
    // The function may no longer reach what its earlier code used.
    if (used.some((resource) => !usedNow.includes(resource))) codeOnlySafe = false
    if (used.join() !== usedNow.join())
      differences.push(
        `function '${name}' used ${used.join(', ') || 'nothing'}, now ${usedNow.join(', ') || 'nothing'}`,
      )
  }
  return { differences, codeOnlySafe }
}

/**
 * Checks that a release can be made live over what is deployed now: nothing when the shapes
 * agree, or when `codeOnly` is asked for and safe; else the error that names the differences and,
 * when safe, the code-only rollback.
 */
export function checkRollback(
  input: {
    readonly release: string
    readonly live: ReleaseShape
    readonly target: ReleaseShape
    readonly codeOnly: boolean
    /** Whether the target can bring back some functions' code and not others' (default true). */
    readonly partial?: boolean
  },
  commandLine: (...args: string[]) => string,
): void {
  const { differences, codeOnlySafe: safe } = shapeDifferences(input.live, input.target)
  const codeOnlySafe = safe && input.partial !== false
  if (differences.length === 0 || (input.codeOnly && codeOnlySafe)) return
  const listed = differences.map((d) => `  - ${d}`).join('\n')
  const how =
    input.partial === false
      ? 'This cloud runs one package for all the functions, so the release cannot come back without its resources: check out its commit and deploy it.'
      : codeOnlySafe
        ? `Its code can still run on what exists now: ${commandLine('rollback', '--to', input.release, '--code-only')} brings back only the code of its functions (functions added since keep theirs), or check out its commit and deploy it to bring back its resources too.`
        : `Its code needs what no longer exists, so only a deploy can bring it back: check out its commit and deploy it.`
  throw new XfnError(
    'RESOURCE_CONFLICT',
    `Release ${input.release} does not fit the app as deployed now:\n${listed}\n${how}`,
  )
}

/** The release a rollback goes to: the one named, or the one before the live one. */
export function pickRelease<T extends { readonly id: string }>(
  releases: readonly T[],
  live: T | undefined,
  to: string | undefined,
  commandLine: (...args: string[]) => string,
): T {
  const list = commandLine('releases')
  if (to !== undefined) {
    const named = releases.find((r) => r.id === to)
    if (!named)
      throw new XfnError(
        'INVALID_OPTIONS',
        `There is no release ${to} (there are: ${releases.map((r) => r.id).join(', ') || 'none'}); ${list} lists them.`,
      )
    return named
  }
  const index = live ? releases.indexOf(live) : releases.length
  const before = releases[index - 1]
  if (!before)
    throw new XfnError(
      'INVALID_OPTIONS',
      `There is no release before ${live ? `${live.id}, the live one,` : 'the newest'} to roll back to; ${list} lists them.`,
    )
  return before
}
