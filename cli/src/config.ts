import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { XfnError } from '@xfn/core'

/** What `xfn.config.ts` may set. Every field is optional; flags given on the command line win. */
export interface XfnConfig {
  /** The app's name, which prefixes every cloud resource (default: package.json "name"). */
  readonly name?: string
  /** The entry module that registers the functions (default: src/index.ts). */
  readonly entry?: string
  /** The stage deploys go to when --stage is not given (default: dev). */
  readonly stage?: string
  readonly aws?: {
    /** The region when neither --region nor AWS_REGION is set. */
    readonly region?: string
    /** The profile when neither --profile nor AWS_PROFILE is set. */
    readonly profile?: string
    /** `rest` or `http`; by default a REST API for apps with `auth: 'key'` routes, else an HTTP API. */
    readonly api?: 'http' | 'rest'
    /** REST API: the rate, burst and quota of the app's key. */
    readonly usagePlan?: {
      readonly rateLimit?: number
      readonly burstLimit?: number
      readonly quota?: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH' }
    }
  }
  /**
   * Targets beyond the built-in ones: packages the app depends on, or paths relative to the app
   * folder, each exporting a `Target` as its default. A target's settings are the section of
   * this file named as the target.
   */
  readonly targets?: readonly string[]
  /** The settings of a target from `targets`, under its name. */
  readonly [target: string]: unknown
  readonly azure?: {
    /** The subscription when AZURE_SUBSCRIPTION_ID is not set. */
    readonly subscriptionId?: string
    /** The region of the resources (default: eastus). */
    readonly location?: string
    /** An existing resource group to deploy into (default: xfn-<app>-<stage>, made by xfn). */
    readonly resourceGroup?: string
    /** `flex` (Flex Consumption, the default) or `consumption` (Linux Consumption). */
    readonly plan?: 'flex' | 'consumption'
    /** Flex Consumption: the most instances the app scales out to (default 100). */
    readonly maximumInstanceCount?: number
    /** Flex Consumption: each instance's memory, 512, 2048 or 4096 MB (default 2048). */
    readonly instanceMemoryMB?: number
  }
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

const known = {
  name: 'string',
  entry: 'string',
  stage: 'string',
  targets: 'object',
  aws: 'object',
  azure: 'object',
} as const

/** The sections of a config that no setting of xfn knows: the settings of targets from `targets`. */
export function unknownSections(config: object): string[] {
  return Object.keys(config).filter((key) => !(key in known))
}
const knownAws = { region: 'string', profile: 'string', api: 'string', usagePlan: 'object' } as const
const knownAzure = {
  subscriptionId: 'string',
  location: 'string',
  resourceGroup: 'string',
  plan: 'string',
  maximumInstanceCount: 'number',
  instanceMemoryMB: 'number',
} as const

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
  const check = (object: object, rules: Record<string, string>, where: string) => {
    for (const [key, given] of Object.entries(object)) {
      const type = rules[key]
      if (!type)
        throw new XfnError(
          'INVALID_OPTIONS',
          `${file}: unknown setting '${where}${key}'. Known: ${Object.keys(rules)
            .map((k) => where + k)
            .join(', ')}.`,
        )
      if (typeof given !== type || given === null)
        throw new XfnError(
          'INVALID_OPTIONS',
          `${file}: '${where}${key}' must be a${type === 'object' ? 'n object' : ` ${type}`}.`,
        )
    }
  }
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
  check(checked, known, '')
  const aws = (value as XfnConfig).aws
  if (aws) check(aws, knownAws, 'aws.')
  if (aws?.api !== undefined && aws.api !== 'http' && aws.api !== 'rest')
    throw new XfnError('INVALID_OPTIONS', `${file}: 'aws.api' must be 'http' or 'rest', not '${aws.api}'.`)
  const azure = (value as XfnConfig).azure
  if (azure) check(azure, knownAzure, 'azure.')
  if (azure?.plan !== undefined && azure.plan !== 'flex' && azure.plan !== 'consumption')
    throw new XfnError(
      'INVALID_OPTIONS',
      `${file}: 'azure.plan' must be 'flex' or 'consumption', not '${azure.plan}'.`,
    )
  const quota = aws?.usagePlan?.quota
  if (quota && (!Number.isInteger(quota.limit) || !['DAY', 'WEEK', 'MONTH'].includes(quota.period)))
    throw new XfnError(
      'INVALID_OPTIONS',
      `${file}: 'aws.usagePlan.quota' must be { limit: <whole number>, period: 'DAY' | 'WEEK' | 'MONTH' }.`,
    )
  return value as XfnConfig
}
