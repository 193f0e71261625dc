import { join } from 'node:path'
import type { Manifest } from '@xfn/core'
import type { Project } from '../project.js'
import { bundle, resolvePackage } from './bundle.js'
import type { Artifact, BuiltFunction, StagedOutput } from './output.js'

/** The app as one readable ES module with its source map, which the local cloud imports. */
export async function buildLocal(project: Project, manifest: Manifest, out: StagedOutput) {
  await bundle({
    entry: { file: project.entry },
    outfile: join(out.dir, 'app.mjs'),
    production: false,
    alias: { '@xfn/core': resolvePackage('@xfn/core', project.dir) },
    app: project.entry,
  })
  const artifacts: Artifact[] = [await out.artifact('app.mjs')]
  const functions: BuiltFunction[] = manifest.functions.map((fn) => ({
    name: fn.name,
    trigger: fn.trigger,
    handler: fn.name,
    artifact: 'app.mjs',
  }))
  return { artifacts, functions }
}
