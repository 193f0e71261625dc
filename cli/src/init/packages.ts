import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { XfnError } from '@xfn/core'

/**
 * xfn's own packages, by the folder of each in a checkout. An app depends on `@xfn/core` at run
 * time and on the CLI to build and deploy; the CLI brings the adapters.
 */
export const workspacePackages = {
  '@xfn/core': 'core',
  '@xfn/bundler': 'bundler',
  '@xfn/aws': 'adapters/aws',
  '@xfn/azure': 'adapters/azure',
  '@xfn/knative': 'adapters/knative',
  '@xfn/local': 'adapters/local',
  '@xfn/cli': 'cli',
} as const
export type PackageName = keyof typeof workspacePackages

/** The folder `npm run pack` writes the tarballs to, in a checkout. */
export const packsFolder = 'packs'

/** The checkout this CLI runs from, when it runs from one (not from an installed package). */
export function checkoutRoot(): string | undefined {
  const root = fileURLToPath(new URL('../../../', import.meta.url))
  const manifest = join(root, 'package.json')
  if (!existsSync(manifest)) return undefined
  const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }
  return name === 'xfn-workspace' ? root : undefined
}

/** The tarball file name npm gives a package: `@xfn/core@0.1.0` → `xfn-core-0.1.0.tgz`. */
export function tarballName(name: PackageName, version: string): string {
  return `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`
}

/**
 * Packs every xfn package of a checkout (built first with `npm run build`) into `dest`, with npm itself,
 * so the tarballs hold exactly what a publish would.
 */
export function packWorkspace(root: string, dest = join(root, packsFolder)): string[] {
  mkdirSync(dest, { recursive: true })
  const npm = (args: string[]) => {
    const result = spawnSync('npm', args, { cwd: root, encoding: 'utf8' })
    if (result.status !== 0)
      throw new XfnError(
        'INTERNAL',
        `Packing xfn's packages for the new app failed: npm ${args.join(' ')} in ${root} exited with ${result.status ?? result.signal}: ${result.stderr.trim() || 'no output'}. Run 'npm run pack' there to see the whole output, or pass --from with a folder of tarballs made elsewhere.`,
      )
    return result.stdout
  }
  npm(['run', 'build'])
  const workspaces = Object.values(workspacePackages).flatMap((dir) => ['--workspace', dir])
  const packed = JSON.parse(npm(['pack', ...workspaces, '--pack-destination', dest, '--json'])) as {
    filename: string
  }[]
  return packed.map((p) => join(dest, p.filename))
}

/** How a new app depends on xfn's packages: names to npm specs, and the specs npm must use. */
export interface XfnDependencies {
  readonly dependencies: Record<string, string>
  readonly devDependencies: Record<string, string>
  readonly overrides?: Record<string, string>
}

/**
 * The dependency specs of a new app: `file:` tarballs from `from` (a folder `npm run pack` wrote),
 * or the registry's `^version`. With tarballs, `overrides` names every xfn package (the CLI's
 * own dependencies on the adapters too), so npm asks the registry for none of them.
 */
export function xfnDependencies(version: string, from?: string): XfnDependencies {
  if (!from)
    return { dependencies: { '@xfn/core': `^${version}` }, devDependencies: { '@xfn/cli': `^${version}` } }
  const folder = resolve(from)
  const spec = (name: PackageName) => {
    const file = join(folder, tarballName(name, version))
    if (!existsSync(file))
      throw new XfnError(
        'INVALID_OPTIONS',
        `--from: ${folder} has no ${tarballName(name, version)}${existsSync(folder) ? ` (it has ${listTarballs(folder)})` : ' (the folder does not exist)'}. Write the tarballs with 'npm run pack' in an xfn checkout, then pass its packs folder.`,
      )
    return `file:${file}`
  }
  const overrides = Object.fromEntries(
    (Object.keys(workspacePackages) as PackageName[]).map((name) => [name, spec(name)]),
  )
  return {
    dependencies: { '@xfn/core': spec('@xfn/core') },
    devDependencies: { '@xfn/cli': spec('@xfn/cli') },
    overrides,
  }
}

function listTarballs(folder: string): string {
  const found = readdirSync(folder).filter((name) => name.endsWith('.tgz'))
  return found.length > 0 ? found.join(', ') : 'no tarballs'
}
