import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/*
 * A real OCI registry for the tests: Debian's `docker-registry` (the CNCF distribution registry),
 * started on 127.0.0.1 with its storage in a temporary folder; and the tools that read images
 * back without the code under test: `skopeo` (copies images between registries and layouts) and
 * `umoci` (makes and unpacks OCI image layouts).
 */

export const imageTools = ['docker-registry', 'skopeo', 'umoci'] as const

/** The tools that are missing from this machine. */
export function missingImageTools(): string[] {
  return imageTools.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
}

export interface LocalRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string
  readonly dir: string
  stop(): Promise<void>
}

export async function startRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'xfn-registry-'))
  const port = await freePort()
  const config = join(dir, 'config.yml')
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
    ].join('\n'),
  )
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' })
  const host = `127.0.0.1:${port}`
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      if ((await fetch(`http://${host}/v2/`)).ok) break
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('docker-registry did not start within 15 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    host,
    dir,
    stop: async () => {
      child.kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Runs a tool and returns its output; throws with its error output when it fails. */
export function run(tool: string, ...args: string[]): string {
  const result = spawnSync(tool, args, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout
}

/**
 * A stand-in base image made by umoci (one layer with one file) and pushed by skopeo: the
 * registry's reference to it, pinned by digest. The tests run the entry with this machine's node,
 * so the base needs no Node.js of its own.
 */
export function pushBaseImage(registry: LocalRegistry, repository = 'base/node'): string {
  const layout = join(registry.dir, 'base-layout')
  run('umoci', 'init', '--layout', layout)
  run('umoci', 'new', '--image', `${layout}:base`)
  const marker = join(registry.dir, 'marker')
  writeFileSync(marker, 'the base image\n')
  run('umoci', 'insert', '--image', `${layout}:base`, marker, '/etc/xfn-base-marker')
  run(
    'skopeo',
    'copy',
    '--dest-tls-verify=false',
    `oci:${layout}:base`,
    `docker://${registry.host}/${repository}:1`,
  )
  const digest = run(
    'skopeo',
    'inspect',
    '--tls-verify=false',
    '--format',
    '{{.Digest}}',
    `docker://${registry.host}/${repository}:1`,
  ).trim()
  return `${registry.host}/${repository}@${digest}`
}

/** Copies an image out of the registry with skopeo and unpacks it with umoci: its bundle folder. */
export function unpackImage(registry: LocalRegistry, reference: string): string {
  const layout = join(registry.dir, `read-${Date.now()}`)
  run('skopeo', 'copy', '--src-tls-verify=false', `docker://${reference}`, `oci:${layout}:app`)
  const bundle = `${layout}-bundle`
  run('umoci', 'unpack', '--image', `${layout}:app`, bundle)
  return bundle
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
