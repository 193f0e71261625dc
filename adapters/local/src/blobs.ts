import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { existsSync, type FSWatcher, mkdirSync, readdirSync, readFileSync, statSync, watch } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { type BlobEvent, type BucketSpec, type ObjectInfo, XfnError } from '@xfn/core'

/** A change seen in a bucket's folder: a blob event, with every field the clouds' events have. */
export type BlobChange = Omit<BlobEvent, 'native'>

/**
 * Buckets as folders, `buckets/<bucket>/<key>`: objects written by the portable client and files
 * dropped into a folder by hand are the same thing, and a watcher turns both into created and
 * deleted events. Content types live beside the objects, in `.meta/`.
 */
export class BlobStore {
  readonly root: string
  readonly #secret: string
  #watchers: FSWatcher[] = []
  readonly #known = new Map<string, string>()

  constructor(root: string, secret: string) {
    this.root = root
    this.#secret = secret
    mkdirSync(root, { recursive: true })
  }

  folder(bucket: string): string {
    return join(this.root, bucket)
  }

  async put(
    bucket: BucketSpec,
    key: string,
    body: Uint8Array,
    contentType: string | undefined,
  ): Promise<void> {
    const file = this.#file(bucket.name, key)
    await mkdir(dirname(file), { recursive: true })
    if (contentType) {
      const meta = this.#metaFile(bucket.name, key)
      await mkdir(dirname(meta), { recursive: true })
      await writeFile(meta, contentType)
    }
    // Written beside and moved into place, so no reader sees half an object, as on S3 and Azure.
    const partial = join(this.folder(bucket.name), '.meta', `.partial-${randomUUID()}`)
    await mkdir(dirname(partial), { recursive: true })
    await writeFile(partial, body)
    await rename(partial, file)
  }

  async get(
    bucket: BucketSpec,
    key: string,
  ): Promise<{ body: Uint8Array; contentType: string | undefined } | null> {
    const file = this.#file(bucket.name, key)
    if (!existsSync(file)) return null
    const meta = this.#metaFile(bucket.name, key)
    return {
      body: await readFile(file),
      contentType: existsSync(meta) ? await readFile(meta, 'utf8') : undefined,
    }
  }

  async *list(bucket: BucketSpec, prefix: string): AsyncIterable<ObjectInfo> {
    const root = this.folder(bucket.name)
    if (!existsSync(root)) return
    const keys: string[] = []
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue
      const key = relative(root, join(entry.parentPath, entry.name)).split(sep).join('/')
      if (!key.startsWith('.meta/') && key.startsWith(prefix)) keys.push(key)
    }
    for (const key of keys.sort()) {
      const file = this.#file(bucket.name, key)
      const info = await stat(file)
      yield { key, size: info.size, etag: etagOf(await readFile(file)), lastModified: info.mtime }
    }
  }

  async delete(bucket: BucketSpec, key: string): Promise<void> {
    await rm(this.#file(bucket.name, key), { force: true })
    await rm(this.#metaFile(bucket.name, key), { force: true })
  }

  /** A URL to this cloud that reads (GET) or writes (PUT) one object until it expires, signed with the cloud's secret. */
  signedUrl(
    baseUrl: string,
    bucket: string,
    key: string,
    options: { expiresIn: number; method: 'GET' | 'PUT' },
  ): string {
    const expires = Math.floor(Date.now() / 1000) + options.expiresIn
    const path = `/_xfn/blobs/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`
    return `${baseUrl}${path}?method=${options.method}&expires=${expires}&signature=${this.#sign(options.method, bucket, key, expires)}`
  }

  verify(method: string, bucket: string, key: string, expires: number, signature: string): boolean {
    if (!Number.isFinite(expires) || expires < Date.now() / 1000) return false
    const expected = Buffer.from(this.#sign(method, bucket, key, expires))
    const given = Buffer.from(signature)
    return expected.length === given.length && timingSafeEqual(expected, given)
  }

  /**
   * Watches the buckets' folders and reports each created, changed or deleted object once. Files
   * present at the start are known, not reported.
   */
  watch(buckets: readonly string[], onChange: (change: BlobChange) => void): void {
    this.unwatch()
    for (const bucket of buckets) {
      const root = this.folder(bucket)
      mkdirSync(root, { recursive: true })
      for (const key of walk(root)) this.#known.set(`${bucket}/${key}`, etagOf(readFileSync(join(root, key))))
      const pending = new Map<string, NodeJS.Timeout>()
      const watcher = watch(root, { recursive: true }, (_event, name) => {
        if (!name) return
        const key = name.split(sep).join('/')
        if (key.startsWith('.meta/') || key === '.meta') return
        // Writes arrive as several events; settle before looking.
        clearTimeout(pending.get(key))
        pending.set(
          key,
          setTimeout(() => {
            pending.delete(key)
            const change = this.#look(bucket, key)
            if (change) onChange(change)
          }, 25),
        )
      })
      // A bucket folder removed while watched (xfn destroy) ends its watch; nothing else to do.
      watcher.on('error', () => watcher.close())
      this.#watchers.push(watcher)
    }
  }

  unwatch(): void {
    for (const watcher of this.#watchers) watcher.close()
    this.#watchers = []
  }

  #look(bucket: string, key: string): BlobChange | undefined {
    const file = join(this.folder(bucket), key)
    const id = `${bucket}/${key}`
    let info: ReturnType<typeof statSync> | undefined
    try {
      info = statSync(file)
    } catch {
      info = undefined
    }
    if (!info?.isFile()) {
      if (info?.isDirectory() || !this.#known.has(id)) return undefined
      this.#known.delete(id)
      return { type: 'deleted', bucket, key, size: 0, etag: '', time: new Date() }
    }
    const etag = etagOf(readFileSync(file))
    if (this.#known.get(id) === etag) return undefined
    this.#known.set(id, etag)
    return { type: 'created', bucket, key, size: info.size, etag, time: info.mtime }
  }

  #file(bucket: string, key: string): string {
    const parts = key.split('/')
    if (parts.some((part) => part === '' || part === '.' || part === '..') || parts[0] === '.meta') {
      throw new XfnError(
        'INVALID_OPTIONS',
        `bucket('${bucket}'): the key ${JSON.stringify(key)} cannot be stored on the local cloud, whose buckets are folders: avoid empty, '.' and '..' segments and the '.meta/' prefix.`,
      )
    }
    return join(this.folder(bucket), ...parts)
  }

  #metaFile(bucket: string, key: string): string {
    return join(this.folder(bucket), '.meta', ...key.split('/'))
  }

  #sign(method: string, bucket: string, key: string, expires: number): string {
    return createHmac('sha256', this.#secret).update(`${method}\n${bucket}\n${key}\n${expires}`).digest('hex')
  }
}

function etagOf(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex')
}

function walk(root: string, prefix = ''): string[] {
  if (!existsSync(root)) return []
  const out: string[] = []
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const key = prefix ? `${prefix}/${entry.name}` : entry.name
    if (key === '.meta') continue
    if (entry.isDirectory()) out.push(...walk(root, key))
    else if (entry.isFile()) out.push(key)
  }
  return out
}
