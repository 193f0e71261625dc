import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { XfnError } from '@xfn/core'

/**
 * An append-only file of JSON records. Each append is one `write` to the file before the caller
 * goes on, so a record survives the process being killed (the kernel holds it); nothing is
 * buffered in the process. Replaying the file rebuilds the state; compaction rewrites it with
 * only the records still needed, through a temporary file and a rename.
 */
export class Journal<RecordType> {
  readonly path: string
  #fd: number

  constructor(path: string) {
    this.path = path
    this.#fd = openSync(path, 'a')
  }

  append(...records: RecordType[]): void {
    if (records.length === 0) return
    writeSync(this.#fd, `${records.map((record) => JSON.stringify(record)).join('\n')}\n`)
  }

  /**
   * The records in the file. A torn last line (the process died while writing it) is dropped;
   * a malformed line before the end means the file was damaged, which is reported.
   */
  static read<RecordType>(path: string): RecordType[] {
    if (!existsSync(path)) return []
    const lines = readFileSync(path, 'utf8').split('\n')
    const records: RecordType[] = []
    for (const [index, line] of lines.entries()) {
      if (line === '') continue
      try {
        records.push(JSON.parse(line) as RecordType)
      } catch {
        if (index >= lines.length - 2) break
        throw new XfnError(
          'INVALID_OPTIONS',
          `The local cloud's state file ${path} is damaged at line ${index + 1}. Stop the local cloud and remove ${path} to start with empty queues (its messages are lost), or restore it from a backup.`,
        )
      }
    }
    return records
  }

  /** Replaces the file's contents with `records`, atomically, and goes on appending to it. */
  rewrite(records: readonly RecordType[]): void {
    const temporary = `${this.path}.compact`
    const fd = openSync(temporary, 'w')
    if (records.length > 0) writeSync(fd, `${records.map((record) => JSON.stringify(record)).join('\n')}\n`)
    closeSync(fd)
    closeSync(this.#fd)
    renameSync(temporary, this.path)
    this.#fd = openSync(this.path, 'a')
  }

  close(): void {
    closeSync(this.#fd)
  }
}
