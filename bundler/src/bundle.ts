import { mkdir, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, dirname, join, relative } from 'node:path'
import type { TargetProject } from '@xfn/core'
import { XfnError } from '@xfn/core'
import { type BuildOptions, build, type Message, type Metafile } from 'esbuild'

/**
 * Lets CommonJS dependencies call `require` inside an ES module bundle. Only bundles that need it
 * get it: making a `require` costs a cold start some 1.5 ms.
 */
const requireShim =
  "import { createRequire as __xfnCreateRequire } from 'node:module'; const require = __xfnCreateRequire(import.meta.url);"

export interface BundleOptions {
  /** The module to bundle, as source (a generated entry) with the folder its imports resolve from. */
  readonly entry: { readonly contents: string; readonly resolveDir: string } | { readonly file: string }
  readonly outfile: string
  /** Minified, tree-shaken, with XFN_PREVALIDATED defined: for a deployed function. */
  readonly production: boolean
  /** Packages left to the platform (the AWS SDK on Lambda). */
  readonly external?: readonly string[]
  /**
   * Code that a dynamic `import()` reaches goes to chunks beside the entry (`chunks/`), loaded
   * when first imported, instead of into the entry's file: for a process that parses its code at
   * start, as a container's entry does.
   */
  readonly splitting?: boolean
  /** Packages resolved to one file, so every importer shares one copy. */
  readonly alias?: Readonly<Record<string, string>>
  /**
   * The app: paths in the output are written relative to its folder, so the bytes do not depend
   * on where the build runs; errors without a location name its entry.
   */
  readonly project: Pick<TargetProject, 'dir' | 'entry'>
}

/** What esbuild writes into a bundle whose CommonJS code calls `require`, when there is none. */
const requireFallback = 'Dynamic require of "'

/**
 * Bundles with esbuild for Node 20 as an ES module with a source map beside it. An error in the
 * user's code (syntax, an import that does not resolve) becomes one clear error with its file:line.
 * A bundle whose CommonJS code calls `require` is made again with a `require` of its own.
 */
export async function bundle(options: BundleOptions): Promise<Metafile> {
  const entry: Partial<BuildOptions> =
    'file' in options.entry
      ? { entryPoints: [options.entry.file] }
      : {
          stdin: {
            contents: options.entry.contents,
            resolveDir: options.entry.resolveDir,
            loader: 'ts',
            sourcefile: 'xfn-entry.ts',
          },
        }
  try {
    const settings: BuildOptions = {
      ...entry,
      ...(options.splitting
        ? {
            outdir: dirname(options.outfile),
            entryNames: basename(options.outfile, '.mjs'),
            chunkNames: 'chunks/[name]-[hash]',
            outExtension: { '.js': '.mjs' },
            splitting: true,
            // A chunk of a CommonJS package keeps only its default export, so a dynamic import of
            // the AWS SDK would lose its named ones: take the ES module of packages that ship both.
            mainFields: ['module', 'main'],
          }
        : { outfile: options.outfile }),
      absWorkingDir: options.project.dir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'linked',
      sourcesContent: !options.production,
      minify: options.production,
      legalComments: 'none',
      logLevel: 'silent',
      metafile: true,
      external: [...(options.external ?? [])],
      alias: { ...(options.alias ?? {}) },
      define: options.production ? { 'process.env.XFN_PREVALIDATED': '"true"' } : {},
      write: false,
    }
    let result = await build(settings)
    if (result.outputFiles?.some((file) => file.path.endsWith('.mjs') && file.text.includes(requireFallback)))
      result = await build({ ...settings, banner: { js: requireShim } })
    for (const file of result.outputFiles ?? []) {
      await mkdir(dirname(file.path), { recursive: true })
      await writeFile(file.path, file.contents)
    }
    return result.metafile ?? { inputs: {}, outputs: {} }
  } catch (error) {
    const first = ((error as { errors?: Message[] }).errors ?? [])[0]
    const where = first?.location
      ? `${relative(process.cwd(), join(options.project.dir, first.location.file))}:${first.location.line}:${first.location.column + 1}`
      : options.project.entry
    throw new XfnError(
      'APP_LOAD_FAILED',
      `Could not build the app: ${first?.text ?? String(error)} (at ${where}).`,
      { cause: error },
    )
  }
}

/**
 * The file a package resolves to, looked up from the app first and then from xfn itself (the
 * module at `fallback`, such as the target asking), so the app and the runtime share one copy of
 * `@xfn/core` in the bundle.
 */
export function resolvePackage(name: string, projectDir: string, fallback: string = import.meta.url): string {
  for (const from of [`${projectDir}/package.json`, fallback]) {
    try {
      return createRequire(from).resolve(name)
    } catch {
      // Not installed there; try the next place.
    }
  }
  throw new XfnError('APP_LOAD_FAILED', `Cannot find the package ${name}. Run npm install in ${projectDir}.`)
}
