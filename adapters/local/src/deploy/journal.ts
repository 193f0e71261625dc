import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  write,
  writeSync,
} from 'node:fs'
import { promisify } from 'node:util'
import { privateFileMode, unwritable } from '../state.js'

const writeAsync = promisify(write)
/** Records serialised between two turns of the event loop while compacting in the background. */
const compactChunk = 5_000

/**
 * An append-only file of JSON records. Each append is one `write` to the file before the caller
 * goes on, so a record survives the process being killed (the kernel holds it); nothing is
 * buffered in the process. Replaying the file rebuilds the state; compaction rewrites it with
 * only the records still needed, through a temporary file and a rename.
 */
export class Journal<RecordType> {
  readonly path: string
  #fd: number
  /** The file's length after the last complete append: a failed one is cut back to it. */
  #size: number
  /** While a background compaction runs: the records appended since it took its snapshot. */
  #sinceSnapshot: RecordType[] | undefined
  #closed = false

  constructor(path: string) {
    this.path = path
    this.#fd = openSync(path, 'a', privateFileMode)
    this.#size = fstatSync(this.#fd).size
  }

  /**
   * Appends records, all or none: a write the disk refuses (full, read-only, not permitted) or
   * takes only in part is cut back off the file and reported as UNAVAILABLE, so the journal never
   * holds half a record and the caller can tell its caller that nothing was stored. The next
   * append tries again, so the journal works again once the disk does.
   */
  append(...records: RecordType[]): void {
    if (records.length === 0) return
    const text = Buffer.from(lines(records))
    let written = 0
    try {
      written = writeSync(this.#fd, text)
    } catch (error) {
      this.#cutBack()
      throw unwritable(this.path, error as NodeJS.ErrnoException)
    }
    if (written < text.length) {
      this.#cutBack()
      throw unwritable(this.path, Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))
    }
    this.#size += text.length
    this.#sinceSnapshot?.push(...records)
  }

  #cutBack(): void {
    try {
      ftruncateSync(this.#fd, this.#size)
    } catch {
      // A device that cannot be cut (or a disk that refuses even that): the torn line is skipped on reading.
    }
  }

  /**
   * Rewrites the file in the background: `snapshot` (the live state now, turned into records only
   * as they are written, a chunk per turn of the event loop) and then every record appended
   * meanwhile, which replayed after it gives the state at the swap. Appends go on to the old file
   * until the rename, so a crash at any point leaves a complete journal.
   */
  async compactInBackground<Item>(snapshot: readonly Item[], toRecord: (item: Item) => RecordType) {
    if (this.#sinceSnapshot) return
    const since: RecordType[] = []
    this.#sinceSnapshot = since
    const temporary = `${this.path}.compact`
    const fd = openSync(temporary, 'w', privateFileMode)
    try {
      for (let start = 0; start < snapshot.length; start += compactChunk) {
        await writeAsync(fd, lines(snapshot.slice(start, start + compactChunk).map(toRecord)))
        await new Promise((resolve) => setImmediate(resolve))
      }
      writeSync(fd, lines(since))
    } finally {
      closeSync(fd)
      this.#sinceSnapshot = undefined
    }
    // No await from here on, so nothing is appended between the last write and the swap.
    if (this.#closed) rmSync(temporary, { force: true })
    else this.#replaceWith(temporary)
  }

  /**
   * The records in the file. A torn last line (the process died while writing it) is dropped;
   * a malformed line before the end means the file was damaged: it is skipped, and `damaged` is
   * told its line number.
   */
  static read<RecordType>(path: string, damaged: (line: number) => void = () => undefined): RecordType[] {
    if (!existsSync(path)) return []
    const lines = readFileSync(path, 'utf8').split('\n')
    const records: RecordType[] = []
    for (const [index, line] of lines.entries()) {
      if (line === '') continue
      try {
        records.push(JSON.parse(line) as RecordType)
      } catch {
        if (index < lines.length - 2) damaged(index + 1)
      }
    }
    return records
  }

  /** Replaces the file's contents with `records`, atomically, and goes on appending to it. */
  rewrite(records: readonly RecordType[]): void {
    const temporary = `${this.path}.compact`
    const fd = openSync(temporary, 'w', privateFileMode)
    writeSync(fd, lines(records))
    closeSync(fd)
    this.#replaceWith(temporary)
  }

  /** Renames a complete file over the journal, atomically, and appends to it from then on. */
  #replaceWith(temporary: string): void {
    closeSync(this.#fd)
    renameSync(temporary, this.path)
    this.#fd = openSync(this.path, 'a', privateFileMode)
    this.#size = fstatSync(this.#fd).size
  }

  close(): void {
    this.#closed = true
    closeSync(this.#fd)
  }
}

function lines(records: readonly unknown[]): string {
  return records.length === 0 ? '' : `${records.map((record) => JSON.stringify(record)).join('\n')}\n`
}
