import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Project } from './project.js'

/** The package of the last `xfn build` (or deploy) for a target: its SHA-256 in hex and when it was made. */
export async function lastBuild(project: Project, target: string) {
  const file = join(project.dir, '.xfn', 'build', target, 'manifest.json')
  try {
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { artifacts?: { sha256?: string }[] }
    const sha256 = manifest.artifacts?.[0]?.sha256
    return sha256 ? { sha256, builtAt: (await stat(file)).mtime } : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether what runs in the cloud is the last local build: one line for `xfn status`, and the
 * verdict for --json. `deployed` is the SHA-256 of the package in the cloud, in hex; `commands`, the
 * build and deploy commands to print.
 */
export function driftOf(
  deployed: readonly (string | undefined)[],
  build: { sha256: string; builtAt: Date } | undefined,
  cloud: string,
  commands = { build: `xfn build --cloud ${cloud}`, deploy: `xfn deploy --cloud ${cloud}` },
) {
  if (!build)
    return {
      drift: 'unknown' as const,
      line: `No local build to compare with; ${commands.build} makes one.`,
    }
  const differing = deployed.filter((sha) => sha !== build.sha256).length
  return differing === 0
    ? {
        drift: 'none' as const,
        line: `Code: the last local build (${build.builtAt.toISOString()}), sha256 ${build.sha256.slice(0, 12)}.`,
      }
    : {
        drift: 'differs' as const,
        line: `Code: ${differing === deployed.length ? 'not' : `${deployed.length - differing} of ${deployed.length} functions on`} the last local build (${build.builtAt.toISOString()}, sha256 ${build.sha256.slice(0, 12)}); ${commands.deploy} brings it up to date.`,
      }
}
