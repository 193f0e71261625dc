import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { expect, it } from 'vitest'

const hello = fileURLToPath(new URL('../../../../examples/hello/src/index.ts', import.meta.url))
const runtime = fileURLToPath(new URL('./index.ts', import.meta.url))
const core = fileURLToPath(new URL('../../../../core/src/index.ts', import.meta.url))

it('bundles a hello-world HTTP function, minified, under 16 KB (its zip stays under the 15 KB budget)', async () => {
  const result = await build({
    stdin: {
      contents: `import ${JSON.stringify(hello)}\nimport { httpHandler } from ${JSON.stringify(runtime)}\nexport const hello = httpHandler('hello')\n`,
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    alias: { '@xfn/core': core },
    // As `xfn build` does: the app was validated in record mode before bundling.
    define: { 'process.env.XFN_PREVALIDATED': '"true"' },
    external: ['@aws-sdk/*'],
    metafile: true,
  })
  const bytes = result.outputFiles[0]?.contents.byteLength ?? Number.POSITIVE_INFINITY
  console.log(`hello-world Lambda bundle: ${bytes} bytes minified`)
  expect(bytes).toBeLessThan(16 * 1024)
  // Nothing but the app, @xfn/core and the shim: no dependency of either is bundled.
  const inputs = Object.keys(result.metafile.inputs)
  expect(inputs.filter((path) => path.includes('node_modules'))).toEqual([])

  // The bundle, without its validation code, still serves the function.
  const file = join(mkdtempSync(join(tmpdir(), 'xfn-size-')), 'index.mjs')
  writeFileSync(file, result.outputFiles[0]?.contents ?? '')
  const bundle = (await import(pathToFileURL(file).href)) as {
    hello: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>
  }
  const answer = await bundle.hello(
    { version: '2.0', rawPath: '/hello/Ada', headers: {}, requestContext: { http: { method: 'GET' } } },
    { awsRequestId: 'r', functionName: 'hello', getRemainingTimeInMillis: () => 1000 },
  )
  expect(answer.statusCode).toBe(200)
  expect(JSON.parse(answer.body)).toEqual({ message: 'Hello, Ada!' })
})
