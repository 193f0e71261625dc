import { join } from 'node:path'
import { bundle, resolvePackage } from '@xfn/bundler'
import type { TargetBuildOutput, TargetPackage, TargetProject } from '@xfn/core'

/** The app as one readable ES module with its source map, which the local cloud imports. */
export async function buildLocal({
  project,
  out,
}: {
  readonly project: TargetProject
  readonly out: TargetBuildOutput
}): Promise<TargetPackage> {
  await bundle({
    entry: { file: project.entry },
    outfile: join(out.dir, 'app.mjs'),
    production: false,
    alias: { '@xfn/core': resolvePackage('@xfn/core', project.dir, import.meta.url) },
    project,
  })
  return { artifact: 'app.mjs', handler: (name) => name }
}
