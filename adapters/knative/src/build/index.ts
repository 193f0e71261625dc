import { join } from 'node:path'
import { bundle, resolvePackage } from '@xfn/bundler'
import type { Manifest, TargetBuildOutput, TargetPackage, TargetProject } from '@xfn/core'
import { makeLayer } from './layer.js'

/** Where the app is in the image, and the command the container runs. */
export const appDir = '/app'
export const entrypoint = ['node', `${appDir}/index.mjs`] as const

/**
 * The app as one layer of a container image: one ES module that loads the app and starts the
 * entry's HTTP server, with its source map, under /app. The deploy puts this layer on the
 * configured Node base image; every Service of the app runs the same image.
 */
export async function buildKnative({
  project,
  out,
}: {
  readonly project: TargetProject
  readonly manifest: Manifest
  readonly out: TargetBuildOutput
}): Promise<TargetPackage> {
  const lines = [
    `import ${JSON.stringify(project.entry)}`,
    `import { serveKnative } from '@xfn/knative/runtime'`,
    'await serveKnative()',
  ]
  await bundle({
    entry: { contents: `${lines.join('\n')}\n`, resolveDir: project.dir },
    outfile: join(out.dir, 'bundle', 'index.mjs'),
    production: true,
    // The S3 client and the CloudEvents SDK load at their first use: a chunk each, not in the entry.
    splitting: true,
    alias: {
      '@xfn/core': resolvePackage('@xfn/core', project.dir, import.meta.url),
      '@xfn/aws/runtime': resolvePackage('@xfn/aws/runtime', project.dir, import.meta.url),
      '@xfn/knative/runtime': resolvePackage('@xfn/knative/runtime', project.dir, import.meta.url),
    },
    project,
  })
  const files = await out.files('bundle')
  const layer = await makeLayer(
    new Map([...files].map(([path, bytes]) => [`${appDir.slice(1)}/${path}`, bytes])),
  )
  await out.write('layer.tar.gz', layer.gzip)
  return { artifact: 'layer.tar.gz', handler: () => entrypoint.join(' ') }
}
