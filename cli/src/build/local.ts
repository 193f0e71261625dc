import { join } from 'node:path'
import type { Manifest } from '@xfn/core'
import type { Project } from '../project.js'
import { bundle, resolvePackage } from './bundle.js'
import type { Built, StagedOutput } from './output.js'

/** The app as one readable ES module with its source map, which the local cloud imports. */
export async function buildLocal(project: Project, _manifest: Manifest, out: StagedOutput) {
  await bundle({
    entry: { file: project.entry },
    outfile: join(out.dir, 'app.mjs'),
    production: false,
    alias: { '@xfn/core': resolvePackage('@xfn/core', project.dir) },
    project,
  })
  return { artifact: 'app.mjs', handler: (name) => name } satisfies Built
}
