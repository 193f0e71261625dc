import { join } from 'node:path'
import { bundle, deterministicZip, resolvePackage } from '@xfn/bundler'
import type { Manifest, TargetBuildOutput, TargetPackage, TargetProject } from '@xfn/core'

const handlerFactory = {
  http: 'httpHandler',
  queue: 'queueHandler',
  timer: 'timerHandler',
  blob: 'blobHandler',
  topic: 'topicHandler',
} as const

/** The runtime's handler factory of a function. */
function factoryOf(fn: Manifest['functions'][number]) {
  return handlerFactory[fn.trigger.type]
}

/**
 * One ES module exporting one Lambda handler per function, in one zip shared by all the app's
 * functions: every function's bundle holds the whole app anyway (registration runs the entry), so
 * one zip means one upload and one hash. Handler strings are `index.<function name>`.
 */
export async function buildAws({
  project,
  manifest,
  out,
}: {
  readonly project: TargetProject
  readonly manifest: Manifest
  readonly out: TargetBuildOutput
}): Promise<TargetPackage> {
  const factories = [...new Set(manifest.functions.map(factoryOf))].sort()
  // Queue, bucket and topic clients only for apps that declare any.
  const usesResources =
    manifest.queues.length > 0 ||
    manifest.buckets.length > 0 ||
    (manifest.topics ?? []).length > 0 ||
    (manifest.secrets ?? []).length > 0
  const imports = usesResources ? [...factories, 'installAwsResources'] : factories
  const lines = [
    `import ${JSON.stringify(project.entry)}`,
    `import { ${imports.join(', ')} } from '@xfn/aws/runtime'`,
    ...(usesResources ? ['installAwsResources()'] : []),
    ...manifest.functions.map((fn, i) => `const handler${i} = ${factoryOf(fn)}(${JSON.stringify(fn.name)})`),
    `export { ${manifest.functions.map((fn, i) => `handler${i} as ${JSON.stringify(fn.name)}`).join(', ')} }`,
  ]
  await bundle({
    entry: { contents: `${lines.join('\n')}\n`, resolveDir: project.dir },
    outfile: join(out.dir, 'bundle', 'index.mjs'),
    production: true,
    // The Lambda Node.js runtime provides the AWS SDK v3.
    external: ['@aws-sdk/*'],
    alias: {
      '@xfn/core': resolvePackage('@xfn/core', project.dir, import.meta.url),
      '@xfn/aws/runtime': resolvePackage('@xfn/aws/runtime', project.dir, import.meta.url),
    },
    project,
  })
  await out.write('function.zip', deterministicZip(await out.files('bundle')))
  return { artifact: 'function.zip', handler: (name) => `index.${name}` }
}
