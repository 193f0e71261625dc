import { type Cloud, clouds, type Manifest, XfnError, xfnCommand } from '@xfn/core'
import { checkPortability } from '@xfn/core/portability'
import { loadManifest } from '../load-app.js'
import type { Project } from '../project.js'
import { buildAws } from './aws.js'
import { type AzureBuildOptions, buildAzure } from './azure.js'
import { buildLocal } from './local.js'
import { type BuildManifest, buildSchema, StagedOutput } from './output.js'

export type { BuildManifest } from './output.js'

export interface BuildOptions extends AzureBuildOptions {
  /**
   * Load the app a second time, announcing another cloud, and require the same registrations
   * (default true). `xfn dev` skips it on reloads, where speed matters and nothing is deployed.
   */
  readonly verifyStable?: boolean
}

const builders = { aws: buildAws, azure: buildAzure, local: buildLocal } as const

/**
 * Builds an app for one cloud into `.xfn/build/<cloud>/`. The app is loaded twice, telling it
 * different clouds, and must register the same functions both times; it must be portable to the
 * cloud; then the cloud's builder writes into a staging folder that replaces the old build only
 * when complete.
 */
export async function buildApp(
  project: Project,
  cloud: Cloud,
  options: BuildOptions = {},
): Promise<{ dir: string; build: BuildManifest }> {
  const manifest =
    options.verifyStable === false
      ? await loadManifest(project, { XFN_CLOUD: cloud })
      : await stableManifest(project, cloud)
  const problems = checkPortability(manifest, [cloud], {
    azurePlan: project.config.azure?.plan,
  }).findings.filter((f) => f.severity === 'error')
  if (problems.length > 0) {
    const check = xfnCommand('check', '--cloud', cloud)
    throw new XfnError(
      'NOT_PORTABLE',
      `The app cannot be built for ${cloud}:\n${problems.map((p) => `  - ${p.subject}: ${p.message}`).join('\n')}\nRun '${check}' for the full report.`,
      { commands: [check] },
    )
  }
  const out = await StagedOutput.create(project.dir, cloud)
  try {
    const built = await builders[cloud](project, manifest, out, options)
    const functions = manifest.functions.map((fn) => ({
      name: fn.name,
      trigger: fn.trigger,
      handler: built.handler(fn.name),
      artifact: built.artifact,
    }))
    const artifacts = [await out.artifact(built.artifact)]
    const build: BuildManifest = {
      schema: buildSchema,
      cloud,
      app: manifest.app,
      artifacts,
      functions,
      manifest,
    }
    return { dir: await out.commit(build), build }
  } catch (error) {
    await out.discard()
    throw error
  }
}

/** The manifest, read twice with different clouds announced in XFN_CLOUD; the two must agree. */
async function stableManifest(project: Project, cloud: Cloud): Promise<Manifest> {
  const other = clouds.find((c) => c !== cloud) as Cloud
  const [first, second] = await Promise.all([
    loadManifest(project, { XFN_CLOUD: cloud }),
    loadManifest(project, { XFN_CLOUD: other }),
  ])
  const a = JSON.stringify(first)
  const b = JSON.stringify(second)
  if (a !== b) {
    const names = new Set([...first.functions, ...second.functions].map((f) => f.name))
    const differing = [...names].filter(
      (name) =>
        JSON.stringify(first.functions.find((f) => f.name === name)) !==
        JSON.stringify(second.functions.find((f) => f.name === name)),
    )
    throw new XfnError(
      'INVALID_OPTIONS',
      `The app registers different things from one load to the next (or by cloud): ${differing.length > 0 ? `functions ${differing.join(', ')}` : 'its queues or buckets'} changed. Registrations must not depend on the cloud, the time, random values or the environment.`,
    )
  }
  return first
}
