import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { type FSWatcher, mkdirSync, readFileSync, statSync, watch } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { type BlobEvent, type BucketSpec, type ObjectInfo, XfnError } from '@xfn/core'
import { unwritable } from '../state.js'
import { findObject, keyOf, placeObject, walkObjects } from './object-paths.js'

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
    const folder = this.folder(bucket.name)
    await storing(`bucket('${bucket.name}').put('${key}')`, folder, async () => {
      const file = await placeObject(folder, key)
      const meta = join(folder, '.meta')
      if (contentType) await writeFile(await placeObject(meta, key), contentType)
      else {
        const stale = findObject(meta, key)
        if (stale) await rm(stale, { force: true })
      }
      // Written beside and moved into place, so no reader sees half an object, as on S3 and Azure.
      const partial = join(meta, `.partial-${randomUUID()}`)
      await mkdir(meta, { recursive: true })
      await writeFile(partial, body)
      await rename(partial, file)
    })
  }

  async get(
    bucket: BucketSpec,
    key: string,
  ): Promise<{ body: Uint8Array; contentType: string | undefined } | null> {
    const folder = this.folder(bucket.name)
    const file = findObject(folder, key)
    if (!file) return null
    const meta = findObject(join(folder, '.meta'), key)
    return {
      body: await readFile(file),
      contentType: meta ? await readFile(meta, 'utf8') : undefined,
    }
  }

  async *list(bucket: BucketSpec, prefix: string): AsyncIterable<ObjectInfo> {
    const objects = walkObjects(this.folder(bucket.name), '.meta')
      .filter((object) => object.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    for (const { key, file } of objects) {
      const info = await stat(file)
      yield { key, size: info.size, etag: etagOf(await readFile(file)), lastModified: info.mtime }
    }
  }

  async delete(bucket: BucketSpec, key: string): Promise<void> {
    const folder = this.folder(bucket.name)
    await storing(`bucket('${bucket.name}').delete('${key}')`, folder, async () => {
      for (const file of [findObject(folder, key), findObject(join(folder, '.meta'), key)])
        if (file) await rm(file, { force: true })
    })
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
      for (const { key, file } of walkObjects(root, '.meta'))
        this.#known.set(`${bucket}/${key}`, etagOf(readFileSync(file)))
      const pending = new Map<string, NodeJS.Timeout>()
      const watcher = watch(root, { recursive: true }, (_event, name) => {
        const path = name?.split(sep) ?? []
        const key = path[0] === '.meta' ? undefined : keyOf(path)
        if (key === undefined) return
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
    const file = findObject(this.folder(bucket), key)
    const id = `${bucket}/${key}`
    const info = file ? statSync(file, { throwIfNoEntry: false }) : undefined
    if (!file || !info) {
      if (!this.#known.has(id)) return undefined
      this.#known.delete(id)
      return { type: 'deleted', bucket, key, size: 0, etag: '', time: new Date() }
    }
    const etag = etagOf(readFileSync(file))
    if (this.#known.get(id) === etag) return undefined
    this.#known.set(id, etag)
    return { type: 'created', bucket, key, size: info.size, etag, time: info.mtime }
  }

  #sign(method: string, bucket: string, key: string, expires: number): string {
    return createHmac('sha256', this.#secret).update(`${method}\n${bucket}\n${key}\n${expires}`).digest('hex')
  }
}

function etagOf(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex')
}

/** Runs a write to a bucket's folder; a disk that refuses it is reported as UNAVAILABLE, naming the call. */
async function storing(call: string, folder: string, write: () => Promise<void>): Promise<void> {
  try {
    await write()
  } catch (error) {
    const refused = unwritable(folder, error as NodeJS.ErrnoException)
    throw new XfnError('UNAVAILABLE', `${call} stored nothing: ${refused.message}`, { cause: error })
  }
}
