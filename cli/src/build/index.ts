import { type Manifest, type Target, type TargetSettings, XfnError, xfnCommand } from '@xfn/core'
import { loadManifest } from '../load-app.js'
import type { Project } from '../project.js'
import { checkTargets } from '../targets/check.js'
import { type BuildManifest, buildSchema, StagedOutput } from './output.js'

export type { BuildManifest } from './output.js'

export interface BuildOptions {
  /**
   * Load the app a second time, announcing another cloud, and require the same registrations
   * (default true). `xfn dev` skips it on reloads, where speed matters and nothing is deployed.
   */
  readonly verifyStable?: boolean
  /** The target's settings that its build takes (`xfn build --blob-source` for Azure). */
  readonly settings?: TargetSettings
  /** What the second load announces in XFN_CLOUD: the name of another target. */
  readonly otherTarget: string
}

/**
 * Builds an app for one target into `.xfn/build/<target>/`. The app is loaded twice, telling it
 * different clouds, and must register the same functions both times; it must pass the target's
 * check; then the target's build writes into a staging folder that replaces the old build only
 * when complete.
 */
export async function buildApp(
  project: Project,
  target: Target,
  options: BuildOptions,
): Promise<{ dir: string; build: BuildManifest }> {
  if (!target.build)
    throw new XfnError(
      'INVALID_OPTIONS',
      `The target ${target.name} has no build of its own; it deploys with '${xfnCommand('deploy', '--cloud', target.name)}'.`,
    )
  const manifest =
    options.verifyStable === false
      ? await loadManifest(project, { XFN_CLOUD: target.name })
      : await stableManifest(project, target.name, options.otherTarget)
  const problems = checkTargets(project, manifest, [target]).findings.filter((f) => f.severity === 'error')
  if (problems.length > 0) {
    const check = xfnCommand('check', '--cloud', target.name)
    throw new XfnError(
      'NOT_PORTABLE',
      `The app cannot be built for ${target.name}:\n${problems.map((p) => `  - ${p.subject}: ${p.message}`).join('\n')}\nRun '${check}' for the full report.`,
      { commands: [check] },
    )
  }
  const out = await StagedOutput.create(project.dir, target.name)
  try {
    const built = await target.build({ project, manifest, out, settings: options.settings ?? {} })
    const functions = manifest.functions.map((fn) => ({
      name: fn.name,
      trigger: fn.trigger,
      handler: built.handler(fn.name),
      artifact: built.artifact,
    }))
    const artifacts = [await out.artifact(built.artifact)]
    const build: BuildManifest = {
      schema: buildSchema,
      cloud: target.name,
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
async function stableManifest(project: Project, cloud: string, other: string): Promise<Manifest> {
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
