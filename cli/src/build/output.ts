import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { sha256 } from '@xfn/bundler'
import type { Manifest, TargetBuildOutput } from '@xfn/core'

export const buildSchema = 'xfn.build/1'

export interface Artifact {
  /** Relative to the build folder. */
  readonly path: string
  readonly sha256: string
  readonly bytes: number
}

export interface BuiltFunction {
  readonly name: string
  readonly trigger: Manifest['functions'][number]['trigger']
  /** What the platform calls: `index.createOrder` on AWS, the function's name in the Function App on Azure. */
  readonly handler: string
  readonly artifact: string
}

/** `.xfn/build/<target>/manifest.json`: what was built, where, and its hash. */
export interface BuildManifest {
  readonly schema: typeof buildSchema
  /** The target it was built for (the field keeps its first name, from when targets were clouds). */
  readonly cloud: string
  readonly app: string
  readonly artifacts: readonly Artifact[]
  readonly functions: readonly BuiltFunction[]
  /** The app's manifest, which deployers read for queues, buckets and settings. */
  readonly manifest: Manifest
}

/**
 * A build folder written beside the real one and moved into place only when complete, so a
 * failed or interrupted build never leaves something that looks like a finished artifact.
 */
export class StagedOutput implements TargetBuildOutput {
  readonly dir: string
  readonly #final: string

  private constructor(final: string, staging: string) {
    this.#final = final
    this.dir = staging
  }

  static async create(projectDir: string, target: string): Promise<StagedOutput> {
    const final = join(projectDir, '.xfn', 'build', target)
    const staging = `${final}.partial-${process.pid}`
    await rm(staging, { recursive: true, force: true })
    await mkdir(staging, { recursive: true })
    return new StagedOutput(final, staging)
  }

  async write(path: string, contents: string | Uint8Array): Promise<void> {
    const file = join(this.dir, path)
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, contents)
  }

  async artifact(path: string): Promise<Artifact> {
    const bytes = await readFile(join(this.dir, path))
    return { path, sha256: sha256(bytes), bytes: bytes.byteLength }
  }

  /** Every file under a folder of the output, relative to it. */
  async files(folder: string): Promise<Map<string, Uint8Array>> {
    const root = join(this.dir, folder)
    const out = new Map<string, Uint8Array>()
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue
      const full = join(entry.parentPath, entry.name)
      out.set(relative(root, full).split('\\').join('/'), await readFile(full))
    }
    return out
  }

  /** Writes the build manifest last, then swaps the finished folder into place. */
  async commit(manifest: BuildManifest): Promise<string> {
    await this.write('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`)
    await rm(this.#final, { recursive: true, force: true })
    await rename(this.dir, this.#final)
    return this.#final
  }

  async discard(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
  }
}
