import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'

/**
 * The hand-written `@azure/functions` hello app (bench/fixtures/azure-hello), bundled as xfn
 * bundles a Function App (minified, linked source map, the host's `@azure/functions-core` left
 * out), into `folder`: dist/index.mjs and its map, and the package.json that names it.
 */
export async function buildAzureBaseline(root: string, folder: string): Promise<void> {
  mkdirSync(folder, { recursive: true })
  await build({
    entryPoints: [join(root, 'bench/fixtures/azure-hello/index.ts')],
    outfile: join(folder, 'dist/index.mjs'),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    external: ['@azure/functions-core'],
    banner: {
      js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);",
    },
  })
  writeFileSync(
    join(folder, 'package.json'),
    `${JSON.stringify({ name: 'hello', main: 'dist/index.mjs', type: 'module' }, null, 2)}`,
  )
}
