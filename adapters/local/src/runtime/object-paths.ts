import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { mkdir, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Where a bucket's object lives in its folder. A key is a path: its segments are folders and its
 * last segment the file, so a file dropped into the folder by hand is an object under the key of
 * its path. What a file system cannot hold is escaped, so every key xfn accepts (1 to 1024
 * characters of any kind) has a place:
 * - `%` and NUL are written `%25` and `%00`; a segment `.`, `..` or a top-level `.meta` (where
 *   content types live) starts `%2E`; an empty segment (as in `a//b` or `dir/`) is `%%`;
 * - a segment too long for a file name continues in a folder below: each part but the last ends
 *   with `%` (no escaped name ends so);
 * - a key that is also the folder of longer keys (`dir` beside `dir/file`) is the file `%` inside
 *   that folder.
 */

/** Bytes of a file name, below the 255 of common file systems. */
const longestName = 240

/** The path of a key's file below its bucket's folder, as segments, before a folder stands in its place. */
export function pathOf(key: string): string[] {
  return key.split('/').flatMap((segment, index) => split(nameOf(segment, index === 0)))
}

/** The key of a file below a bucket's folder, given as the segments of its path; undefined for none (a stray `%` folder). */
export function keyOf(path: readonly string[]): string | undefined {
  const parts = path.at(-1) === '%' ? path.slice(0, -1) : [...path]
  if (parts.length === 0) return undefined
  const segments: string[] = []
  let pending = ''
  for (const part of parts) {
    if (part !== '%%' && part.endsWith('%')) {
      pending += part.slice(0, -1)
      continue
    }
    segments.push(segmentOf(pending + part))
    pending = ''
  }
  return pending === '' ? segments.join('/') : undefined
}

/** The file that holds a key's object now, if it exists. */
export function findObject(root: string, key: string): string | undefined {
  const file = join(root, ...pathOf(key))
  try {
    const info = statSync(file)
    if (info.isFile()) return file
    const inside = join(file, '%')
    return info.isDirectory() && existsSync(inside) ? inside : undefined
  } catch {
    return undefined
  }
}

/**
 * The file to write a key's object to, its folders made: a file standing where a folder must be
 * (the object `dir`, when `dir/file` comes) first moves into that folder as its `%` file (by way
 * of `.meta/`, which no watcher reports).
 */
export async function placeObject(root: string, key: string): Promise<string> {
  const path = pathOf(key)
  let folder = root
  await mkdir(root, { recursive: true })
  for (const part of path.slice(0, -1)) {
    folder = join(folder, part)
    const info = await stat(folder).catch(() => undefined)
    if (info?.isFile()) {
      const moving = join(root, '.meta', `.moving-${randomUUID()}`)
      await mkdir(join(root, '.meta'), { recursive: true })
      await rename(folder, moving)
      await mkdir(folder)
      await rename(moving, join(folder, '%'))
    } else if (!info) await mkdir(folder)
  }
  const file = join(folder, path.at(-1) as string)
  const info = await stat(file).catch(() => undefined)
  return info?.isDirectory() ? join(file, '%') : file
}

/** The keys of every object below a bucket's folder, with their files, skipping `skip` at the top. */
export function walkObjects(root: string, skip: string): { key: string; file: string }[] {
  const found: { key: string; file: string }[] = []
  const visit = (folder: string, path: string[]) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (path.length === 0 && entry.name === skip) continue
      const inner = [...path, entry.name]
      if (entry.isDirectory()) visit(join(folder, entry.name), inner)
      else if (entry.isFile()) {
        const key = keyOf(inner)
        if (key !== undefined) found.push({ key, file: join(folder, entry.name) })
      }
    }
  }
  if (existsSync(root)) visit(root, [])
  return found
}

function nameOf(segment: string, top: boolean): string {
  if (segment === '') return '%%'
  const escaped = segment.replaceAll('%', '%25').replaceAll('\0', '%00')
  if (escaped === '.' || escaped === '..' || (top && escaped === '.meta')) return `%2E${escaped.slice(1)}`
  return escaped
}

function segmentOf(part: string): string {
  if (part === '%%') return ''
  return part.replace(/%(25|00|2E)/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
}

/** Cuts an escaped segment into file names of at most `longestName` bytes, never inside an escape or a character. */
function split(escaped: string): string[] {
  if (Buffer.byteLength(escaped) <= longestName) return [escaped]
  const parts: string[] = []
  let part = ''
  let bytes = 0
  for (const token of escaped.match(/%[0-9A-F]{2}|[\s\S]/gu) ?? []) {
    const size = Buffer.byteLength(token)
    if (bytes + size > longestName - 1) {
      parts.push(`${part}%`)
      part = ''
      bytes = 0
    }
    part += token
    bytes += size
  }
  return [...parts, part]
}
