import { createHash } from 'node:crypto'
import { zipSync } from 'fflate'

/**
 * The zip's fixed timestamp, 1980-01-01 00:00, made from local fields because zip stores local
 * time: so every machine, in every time zone, writes the same bytes.
 */
const fixedTime = new Date(1980, 0, 1, 0, 0, 0)
/** A regular file readable by all (0644), for Unix hosts such as Lambda. */
const fileAttributes = (0o100644 << 16) >>> 0

/**
 * A deterministic zip: entries sorted by path, one fixed time and mode, fixed compression, so
 * the same files give the same bytes and the same SHA-256 on any machine.
 */
export function deterministicZip(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const entries: Record<string, [Uint8Array, { mtime: Date; attrs: number; os: number; level: 9 }]> = {}
  for (const path of [...files.keys()].sort()) {
    entries[path] = [
      files.get(path) as Uint8Array,
      { mtime: fixedTime, attrs: fileAttributes, os: 3, level: 9 },
    ]
  }
  return zipSync(entries)
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
