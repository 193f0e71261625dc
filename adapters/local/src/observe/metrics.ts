import { closeSync, openSync, writeSync } from 'node:fs'
import { privateFileMode } from '../state.js'

/** Durations are counted in buckets that grow by 10%, from 0.01 ms: percentiles to within 5%. */
const bucketRatio = 1.1
const smallestMs = 0.01
const logRatio = Math.log(bucketRatio)

export function bucketOf(durationMs: number): number {
  return durationMs <= smallestMs ? 0 : Math.ceil(Math.log(durationMs / smallestMs) / logRatio)
}

/** The upper bound of a bucket, in milliseconds. */
export function bucketLimit(bucket: number): number {
  return smallestMs * bucketRatio ** bucket
}

/** One function's invocations in one second, as the metrics file keeps them. */
export interface MetricsLine {
  /** The second's start, in milliseconds since the epoch. */
  readonly time: number
  readonly function: string
  readonly trigger: string
  readonly count: number
  readonly errors: number
  readonly timeouts: number
  readonly maxMs: number
  /** Invocations per duration bucket (see bucketLimit). */
  readonly histogram: Readonly<Record<string, number>>
}

/** One function's counts over a span of time: a second while recording, any span when reading. */
export interface Counts {
  trigger: string
  count: number
  errors: number
  timeouts: number
  maxMs: number
  histogram: Map<number, number>
}

interface Window extends Counts {
  time: number
}

/**
 * Counts invocations per function and second, with a histogram of durations, as the clouds'
 * metrics services do, and appends one line per function and second to `invocations.jsonl`.
 * Recording an invocation is a few additions, so the request path stays fast.
 */
export class MetricsRecorder {
  readonly #fd: number
  readonly #windows = new Map<string, Window>()
  readonly #timer: NodeJS.Timeout
  #failing = false

  constructor(path: string) {
    this.#fd = openSync(path, 'a', privateFileMode)
    this.#timer = setInterval(() => this.flush(), 1000).unref()
  }

  record(fn: string, trigger: string, durationMs: number, outcome: 'ok' | 'error' | 'timeout'): void {
    const second = Math.floor(Date.now() / 1000) * 1000
    let window = this.#windows.get(fn)
    if (window && window.time !== second) {
      this.#write(fn, window)
      window = undefined
    }
    if (!window) {
      window = { time: second, trigger, count: 0, errors: 0, timeouts: 0, maxMs: 0, histogram: new Map() }
      this.#windows.set(fn, window)
    }
    window.count++
    if (outcome !== 'ok') window.errors++
    if (outcome === 'timeout') window.timeouts++
    if (durationMs > window.maxMs) window.maxMs = durationMs
    const bucket = bucketOf(durationMs)
    window.histogram.set(bucket, (window.histogram.get(bucket) ?? 0) + 1)
  }

  /** Writes the windows of past seconds (all of them when closing). */
  flush(all = false): void {
    const current = Math.floor(Date.now() / 1000) * 1000
    for (const [fn, window] of this.#windows) {
      if (all || window.time < current) {
        this.#write(fn, window)
        this.#windows.delete(fn)
      }
    }
  }

  close(): void {
    clearInterval(this.#timer)
    this.flush(true)
    closeSync(this.#fd)
  }

  #write(fn: string, window: Window): void {
    const line: MetricsLine = {
      time: window.time,
      function: fn,
      trigger: window.trigger,
      count: window.count,
      errors: window.errors,
      timeouts: window.timeouts,
      maxMs: Math.round(window.maxMs * 1000) / 1000,
      histogram: Object.fromEntries(window.histogram),
    }
    try {
      writeSync(this.#fd, `${JSON.stringify(line)}\n`)
      this.#failing = false
    } catch (error) {
      // A full or read-only disk costs these counts, never the cloud; said once per spell.
      if (!this.#failing)
        process.stderr.write(
          `${new Date().toISOString()} cannot write invocation counts: ${(error as Error).message}; dropping them until writes succeed again\n`,
        )
      this.#failing = true
    }
  }
}
