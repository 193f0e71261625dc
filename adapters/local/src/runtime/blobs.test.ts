import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BlobStore } from './blobs.js'
import { keyOf, pathOf } from './object-paths.js'

const bucket = { name: 'files' }
const store = () => new BlobStore(mkdtempSync(join(tmpdir(), 'xfn-blobs-')), 'secret')
const text = async (found: Promise<{ body: Uint8Array } | null>) => {
  const object = await found
  return object ? Buffer.from(object.body).toString() : null
}

/** Keys that xfn's key rule takes (1 to 1024 characters, not starting with '/') but a folder does not hold as they are. */
const awkward = [
  'dir',
  'dir/file',
  'dir/file/deeper',
  'a//b',
  'trailing/',
  './x',
  'a/../b',
  '.meta/not-a-content-type',
  'nul\0inside',
  '100%/%2E',
  'é'.repeat(300),
  `${'long/'.repeat(50)}${'x'.repeat(700)}`.slice(0, 1024),
  'x'.repeat(1024),
]

describe('a bucket as a folder', () => {
  it('holds every key the portable rule takes, each apart from the others', async () => {
    const blobs = store()
    for (const key of awkward) await blobs.put(bucket, key, Buffer.from(`body of ${key}`), 'text/plain')
    for (const key of awkward) {
      expect(await text(blobs.get(bucket, key)), JSON.stringify(key).slice(0, 40)).toBe(`body of ${key}`)
      expect((await blobs.get(bucket, key))?.contentType).toBe('text/plain')
    }
    const listed: string[] = []
    for await (const object of blobs.list(bucket, '')) listed.push(object.key)
    expect(listed).toEqual([...awkward].sort())
    await blobs.delete(bucket, 'dir')
    expect(await blobs.get(bucket, 'dir')).toBeNull()
    expect(await text(blobs.get(bucket, 'dir/file'))).toBe('body of dir/file')
  })

  it('maps a key to a path and back', () => {
    for (const key of awkward) expect(keyOf(pathOf(key))).toBe(key)
    expect(pathOf('photos/cat.jpg')).toEqual(['photos', 'cat.jpg'])
  })

  it('takes a file dropped into the folder by hand under the key of its path', async () => {
    const blobs = store()
    const folder = blobs.folder('files')
    await blobs.put(bucket, 'seed', Buffer.from('x'), undefined)
    writeFileSync(join(folder, 'by-hand.txt'), 'dropped')
    expect(await text(blobs.get(bucket, 'by-hand.txt'))).toBe('dropped')
  })
})
