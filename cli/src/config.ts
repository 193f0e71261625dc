import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AwsConfigSection } from '@xfn/aws/target'
import type { AzureConfigSection } from '@xfn/azure/target'
import { checkSettings, checkStageSettings, type TargetConfigSetting, XfnError } from '@xfn/core'
import type { KnativeConfigSection } from '@xfn/knative/target'
import { builtInTargets } from './targets/built-in.js'

/** What `xfn.config.ts` may set. Every field is optional; flags given on the command line win. */
export interface XfnConfig {
  /** The app's name, which prefixes every cloud resource (default: package.json "name"). */
  readonly name?: string
  /** The entry module that registers the functions (default: src/index.ts). */
  readonly entry?: string
  /** The stage deploys go to when --stage is not given (default: dev). */
  readonly stage?: string
  /** The AWS target's settings. */
  readonly aws?: AwsConfigSection
  /** The Azure target's settings. */
  readonly azure?: AzureConfigSection
  /** Knative: the image registry and base image, the broker class, the store of the buckets. */
  readonly knative?: KnativeConfigSection
  /**
   * Targets beyond the built-in ones: packages the app depends on, or paths relative to the app
   * folder, each exporting a `Target` as its default. A target's settings are the section of
   * this file named as the target.
   */
  readonly targets?: readonly string[]
  /**
   * Settings every function sees in `process.env`, on every cloud: plain values, not secrets
   * (they are stored as the clouds store configuration). At most 4 KB in all, Lambda's limit.
   */
  readonly env?: Readonly<Record<string, string>>
  /** How many releases to keep for `xfn rollback` (default 10). */
  readonly releases?: { readonly keep?: number }
  /** Each stage's own settings, over `env`: `{ prod: { env: { CURRENCY: 'USD' } } }`. */
  readonly stages?: Readonly<Record<string, { readonly env?: Readonly<Record<string, string>> }>>
  /** The settings of a target from `targets`, under its name. */
  readonly [target: string]: unknown
}

/**
 * Types `xfn.config.ts`, and returns what it is given.
 *
 * @example
 * import { defineConfig } from '@xfn/cli'
 * export default defineConfig({ entry: 'src/index.ts', stage: 'dev', aws: { region: 'eu-west-1' } })
 */
export function defineConfig(config: XfnConfig): XfnConfig {
  return config
}

export const configFile = 'xfn.config.ts'

/** The settings of xfn itself; each target with settings adds its section, named as the target. */
const general: Readonly<Record<string, TargetConfigSetting>> = {
  name: { type: 'string', description: "the app's name" },
  entry: { type: 'string', description: 'the entry module' },
  stage: { type: 'string', description: 'the stage deploys go to' },
  targets: { type: 'object', description: 'targets beyond the built-in ones' },
  env: {
    type: 'object',
    description: "settings every function sees in process.env, such as { CURRENCY: 'EUR' }",
    check: checkSettings,
  },
  stages: {
    type: 'object',
    description: "each stage's own settings, over env: { prod: { env: { CURRENCY: 'USD' } } }",
    check: checkStageSettings,
  },
  releases: {
    type: 'object',
    description: 'how many releases to keep for rollback: { keep: 10 }',
    check: (value, name) => {
      const { keep, ...rest } = value as Record<string, unknown>
      if (Object.keys(rest).length > 0) return `'${name}' takes keep, not ${Object.keys(rest).join(', ')}.`
      return keep === undefined ||
        (Number.isInteger(keep) && (keep as number) >= 1 && (keep as number) <= 100)
        ? undefined
        : `'${name}.keep' must be a whole number from 1 to 100.`
    },
  },
}

/** Every top-level setting: xfn's own, then one section per built-in target that takes settings. */
const known: Readonly<Record<string, TargetConfigSetting>> = {
  ...general,
  ...Object.fromEntries(
    builtInTargets.flatMap((target) =>
      target.config ? [[target.name, { type: 'object', description: target.description }]] : [],
    ),
  ),
}

/** The sections of a config that no setting of xfn knows: the settings of targets from `targets`. */
export function unknownSections(config: object): string[] {
  return Object.keys(config).filter((key) => !(key in known))
}

/**
 * Checks settings against what they may be: each known, of its type, one of its options, and
 * passing its own check. `where` is the section's name (`aws`), or empty for the top level.
 */
export function checkSection(
  section: unknown,
  rules: Readonly<Record<string, TargetConfigSetting>>,
  where: string,
  file: string,
): void {
  const prefix = where ? `${where}.` : ''
  if (typeof section !== 'object' || section === null)
    throw new XfnError('INVALID_OPTIONS', `${file}: '${where}' must be an object.`)
  for (const [key, given] of Object.entries(section)) {
    const rule = rules[key]
    const name = `${prefix}${key}`
    if (!rule)
      throw new XfnError(
        'INVALID_OPTIONS',
        `${file}: unknown setting '${name}'. Known: ${Object.keys(rules)
          .map((k) => prefix + k)
          .join(', ')}.`,
      )
    if (typeof given !== rule.type || given === null)
      throw new XfnError(
        'INVALID_OPTIONS',
        `${file}: '${name}' must be a${rule.type === 'object' ? 'n object' : ` ${rule.type}`}.`,
      )
    if (rule.options && !rule.options.includes(given as string))
      throw new XfnError(
        'INVALID_OPTIONS',
        `${file}: '${name}' must be ${quotedChoices(rule.options)}, not '${String(given)}'.`,
      )
    const wrong = rule.check?.(given, name)
    if (wrong) throw new XfnError('INVALID_OPTIONS', `${file}: ${wrong}`)
  }
}

/** `'a' or 'b'`, `'a', 'b' or 'c'`. */
function quotedChoices(options: readonly string[]): string {
  const quoted = options.map((option) => `'${option}'`)
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : (quoted[0] ?? '')
}

/**
 * Loads `xfn.config.ts` from an app folder, if there is one: compiled with esbuild (with `@xfn/cli`
 * standing for defineConfig alone, so the config loads nothing else) and imported.
 */
export async function loadConfig(dir: string): Promise<XfnConfig> {
  const file = join(dir, configFile)
  if (!existsSync(file)) return {}
  const { build } = await import('esbuild')
  const outDir = join(dir, '.xfn')
  mkdirSync(outDir, { recursive: true })
  const outfile = join(outDir, 'config.mjs')
  try {
    await build({
      entryPoints: [file],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
      plugins: [
        {
          name: 'xfn-define-config',
          setup(b) {
            b.onResolve({ filter: /^(@xfn\/cli|xfn)$/ }, () => ({ path: 'xfn', namespace: 'xfn-config' }))
            b.onLoad({ filter: /.*/, namespace: 'xfn-config' }, () => ({
              contents: 'export const defineConfig = (config) => config',
              loader: 'js',
            }))
          },
        },
      ],
    })
  } catch (error) {
    const first = (error as { errors?: { text: string; location?: { line: number; column: number } }[] })
      .errors?.[0]
    throw new XfnError(
      'APP_LOAD_FAILED',
      `${file}${first?.location ? `:${first.location.line}:${first.location.column}` : ''}: ${first?.text ?? String(error)}. Fix the config file.`,
    )
  }
  const loaded = (await import(`${pathToFileURL(outfile).href}?at=${Date.now()}`)) as { default?: unknown }
  return checkConfig(loaded.default, file)
}

function checkConfig(value: unknown, file: string): XfnConfig {
  if (typeof value !== 'object' || value === null)
    throw new XfnError(
      'INVALID_OPTIONS',
      `${file}: export the config as default: export default defineConfig({ ... }).`,
    )
  const targets = (value as XfnConfig).targets
  if (targets !== undefined && (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string')))
    throw new XfnError(
      'INVALID_OPTIONS',
      `${file}: 'targets' must be a list of package names or paths, such as targets: ['./my-target.mjs'].`,
    )
  // With targets from outside, an unknown section may be one of theirs: checked once they load.
  const { ...checked } = value as Record<string, unknown>
  if (targets)
    for (const key of unknownSections(checked)) if (typeof checked[key] === 'object') delete checked[key]
  checkSection(checked, known, '', file)
  for (const target of builtInTargets)
    if (target.config && checked[target.name] !== undefined)
      checkSection(checked[target.name], target.config, target.name, file)
  return value as XfnConfig
}
