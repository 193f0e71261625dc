import { createHash } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import { pack } from 'tar-stream'

/** An image layer: its gzipped tar, with the digests an OCI manifest and image config name it by. */
export interface Layer {
  readonly gzip: Uint8Array
  /** `sha256:<hex>` of the gzipped bytes: the layer's blob in the registry. */
  readonly digest: string
  /** `sha256:<hex>` of the tar before gzip: the image config's `rootfs.diff_ids` entry. */
  readonly diffId: string
}

export const sha256Digest = (bytes: Uint8Array) =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/**
 * A layer of files, the same bytes for the same files: entries in path order, each folder before
 * what is in it, owned by root, dated 1970-01-01, files 0644; gzipped with a fixed header.
 */
export async function makeLayer(files: ReadonlyMap<string, Uint8Array>): Promise<Layer> {
  const archive = pack()
  const chunks: Buffer[] = []
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer))
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve)
    archive.on('error', reject)
  })
  const stamp = { mtime: new Date(0), uid: 0, gid: 0, uname: 'root', gname: 'root' }
  const folders = new Set<string>()
  for (const path of [...files.keys()].sort()) {
    const parts = path.split('/')
    for (let i = 1; i < parts.length; i++) {
      const folder = `${parts.slice(0, i).join('/')}/`
      if (folders.has(folder)) continue
      folders.add(folder)
      archive.entry({ ...stamp, name: folder, type: 'directory', mode: 0o755 })
    }
    archive.entry(
      { ...stamp, name: path, type: 'file', mode: 0o644 },
      Buffer.from(files.get(path) as Uint8Array),
    )
  }
  archive.finalize()
  await done
  const tar = Buffer.concat(chunks)
  const gzip = gzipSync(tar, { level: 9 })
  return { gzip, digest: sha256Digest(gzip), diffId: sha256Digest(tar) }
}

/** A layer read back from its gzipped bytes. */
export function layerOf(gzip: Uint8Array): Layer {
  return { gzip, digest: sha256Digest(gzip), diffId: sha256Digest(gunzipSync(gzip)) }
}
