import { createRequire } from 'node:module'
import { isAbsolute, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Flags, type Interfaces } from '@oclif/core'
import { type Target, type TargetCommand, type TargetSetting, type TargetSettings, XfnError } from '@xfn/core'
import { checkSection, configFile, unknownSections } from '../config.js'
import type { Project } from '../project.js'
import { builtInTargets } from './built-in.js'

export { builtInTargets } from './built-in.js'

const defaultTarget = builtInTargets[0] as Target

/** The commands a setting applies to when it does not say: those that act on a deployed app. */
const deployedAppCommands: readonly TargetCommand[] = [
  'deploy',
  'destroy',
  'status',
  'invoke',
  'logs',
  'metrics',
  'secret',
  'releases',
  'history',
  'console',
]

/**
 * The flags of a command from the built-in targets' settings: one per name, described with the
 * targets that take it (`aws, azure: the stage, …`).
 */
export function targetFlags(command: TargetCommand) {
  const byName = new Map<string, { targets: string[]; setting: TargetSetting }>()
  for (const target of builtInTargets)
    for (const [name, setting] of Object.entries(target.settings)) {
      if (!(setting.commands ?? deployedAppCommands).includes(command)) continue
      const known = byName.get(name)
      if (known) known.targets.push(target.name)
      else byName.set(name, { targets: [target.name], setting })
    }
  const flags: Record<string, Interfaces.OptionFlag<string | number | undefined>> = {}
  for (const [name, { targets, setting }] of byName) {
    const description = `${targets.join(', ')}: ${setting.description}`
    const options = setting.options ? { options: [...setting.options] } : {}
    flags[name] = (
      setting.type === 'integer' ? Flags.integer({ description }) : Flags.string({ description, ...options })
    ) as Interfaces.OptionFlag<string | number | undefined>
  }
  return flags
}

/** The built-in targets that can do something optional (`dryRun`, `keepData`), as `a, b` for help texts. */
export function targetsThatCan(capability: 'dryRun' | 'keepData'): string {
  return builtInTargets
    .filter((t) => t[capability])
    .map((t) => t.name)
    .join(', ')
}

/** `--cloud` of the commands that act on one target. */
export const targetFlag = Flags.string({
  description: `where the app runs: ${builtInTargets.map((t) => t.name).join(', ')}, or a target named in xfn.config.ts`,
  default: defaultTarget.name,
})

/** `--cloud` of `xfn build`: a target that packages apps. */
export const buildTargetFlag = Flags.string({
  description: `the target to build for: ${builtInTargets
    .filter((t) => t.build)
    .map((t) => t.name)
    .join(', ')}, or a target named in xfn.config.ts that has a build`,
  default: defaultTarget.name,
})

/** A built-in target other than the one named, for the build's second load of the app. */
export function anotherTargetThan(name: string): string {
  return (builtInTargets.find((t) => t.name !== name) as Target).name
}

/** `--cloud` of logs and metrics: one target, several comma-separated, or `all`. */
export const targetsFlag = Flags.string({
  description: `where the app runs: ${builtInTargets.map((t) => t.name).join(', ')} (or a target named in xfn.config.ts), comma-separated, or all`,
  default: defaultTarget.name,
})

/** The targets of an app: the built-in ones, then those its `xfn.config.ts` names in `targets`. */
export async function targetsOf(project: Project): Promise<Target[]> {
  const extra: Target[] = []
  for (const specifier of project.config.targets ?? []) extra.push(await loadTarget(project, specifier))
  for (const target of extra)
    if (
      builtInTargets.some((t) => t.name === target.name) ||
      extra.filter((t) => t.name === target.name).length > 1
    )
      throw new XfnError(
        'INVALID_OPTIONS',
        `xfn.config.ts: two targets are named '${target.name}'; a target from 'targets' needs a name of its own.`,
      )
  // A section of xfn.config.ts that no setting of xfn knows must be the settings of such a target,
  // and is checked by what the target says it takes.
  for (const key of unknownSections(project.config)) {
    const owner = extra.find((t) => t.name === key)
    if (owner?.config)
      checkSection((project.config as Record<string, unknown>)[key], owner.config, key, configFile)
    if (!owner)
      throw new XfnError(
        'INVALID_OPTIONS',
        `xfn.config.ts: unknown setting '${key}'; it is neither a setting of xfn nor the name of a target in 'targets' (${extra.map((t) => t.name).join(', ') || 'none'}).`,
      )
  }
  return [...builtInTargets, ...extra]
}

/** The one target `--cloud` names. */
export async function targetNamed(project: Project, name: string): Promise<Target> {
  const [target] = await targetsNamed(project, name, { single: true })
  return target as Target
}

/** The targets `--cloud a,b` (or `all`) names, each known, in the order given. */
export async function targetsNamed(
  project: Project,
  text: string,
  options: { single?: boolean } = {},
): Promise<Target[]> {
  const known = await targetsOf(project)
  if (text === 'all' && !options.single) return known
  return namesIn(
    text,
    known.map((t) => t.name),
    { ...options, all: true },
  ).map((name) => known.find((t) => t.name === name) as Target)
}

/**
 * Reads `--cloud a,b`: each name known, once, in the order given; the error names the unknown
 * ones and the choices (with `all` where the command takes it).
 */
export function namesIn(
  text: string,
  known: readonly string[],
  options: { single?: boolean; all?: boolean } = {},
): string[] {
  const names = [...new Set(text.split(',').map((name) => name.trim()))].filter(Boolean)
  const unknown = names.filter((name) => !known.includes(name))
  if (unknown.length > 0 || names.length === 0)
    throw new XfnError(
      'INVALID_OPTIONS',
      `--cloud: unknown cloud '${unknown.join("', '")}'. Choose from ${[...known].sort().join(', ')}${options.single ? '' : `, comma-separated${options.all ? ', or all' : ''}`}.`,
    )
  if (options.single && names.length > 1)
    throw new XfnError('INVALID_OPTIONS', `--cloud: give one cloud here, not ${names.join(', ')}.`)
  return names
}

/** The settings a target takes, from the flags given. */
export function settingsFor(target: Target, flags: Record<string, unknown>): TargetSettings {
  return Object.fromEntries(
    Object.keys(target.settings).flatMap((name) =>
      typeof flags[name] === 'string' || typeof flags[name] === 'number' ? [[name, flags[name]]] : [],
    ),
  )
}

/** A target module named in `xfn.config.ts`: a package the app depends on, or a path from the app's folder. */
async function loadTarget(project: Project, specifier: string): Promise<Target> {
  const where = specifier.startsWith('.') || isAbsolute(specifier) ? 'path' : 'package'
  let loaded: { default?: unknown }
  try {
    const url =
      where === 'path'
        ? pathToFileURL(isAbsolute(specifier) ? specifier : join(project.dir, specifier)).href
        : pathToFileURL(createRequire(join(project.dir, 'package.json')).resolve(specifier)).href
    loaded = (await import(url)) as { default?: unknown }
  } catch (error) {
    throw new XfnError(
      'INVALID_OPTIONS',
      `xfn.config.ts: the target '${specifier}' could not be loaded (${error instanceof Error ? error.message : String(error)}). ${where === 'path' ? 'Check the path, relative to the app folder.' : `Install it in the app: npm install ${specifier}.`}`,
    )
  }
  const target = loaded.default as Partial<Target> | undefined
  const missing = ['name', 'deploy', 'destroy', 'status', 'invoke', 'logs', 'metrics'].filter(
    (key) => target?.[key as keyof Target] === undefined,
  )
  if (!target || missing.length > 0)
    throw new XfnError(
      'INVALID_OPTIONS',
      `xfn.config.ts: the target '${specifier}' does not export a target as its default (it lacks ${missing.join(', ')}); see the Target type of @xfn/core.`,
    )
  return { description: '', settings: {}, ...target } as Target
}

/** What a target may offer beyond the commands every target serves, and how to say it does not. */
const offerings = {
  secrets: 'keeps no secrets yet',
  releases: 'keeps no releases yet',
  history: 'has no audit trail to read',
} as const

/**
 * The target `--cloud` names and what it offers for a command (its secret store, its releases,
 * its audit trail), or an error naming the targets that offer it.
 */
export async function targetOffering<K extends keyof typeof offerings>(
  project: Project,
  name: string,
  offering: K,
): Promise<{ target: Target; offered: NonNullable<Target[K]> }> {
  const target = await targetNamed(project, name)
  const offered = target[offering]
  if (offered)
    return {
      target,
      offered: (typeof offered === 'function' ? offered.bind(target) : offered) as NonNullable<Target[K]>,
    }
  const offeredBy = (await targetsOf(project)).filter((t) => t[offering]).map((t) => t.name)
  throw new XfnError(
    'INVALID_OPTIONS',
    `The ${target.name} target ${offerings[offering]}; these do: ${offeredBy.join(', ')}. Choose one with --cloud.`,
  )
}
