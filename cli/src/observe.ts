import type { LogEvent, Target } from '@xfn/core'
import { targetFlags, targetsFlag } from './targets/registry.js'

/** The flags of logs and metrics: the targets, and the settings of each. */
export const observeFlags = (command: 'logs' | 'metrics') => ({ ...targetFlags(command), cloud: targetsFlag })

/**
 * Runs `read` for each target. With several, one that cannot be read (no credentials, nothing
 * deployed) is a notice and the others go on; with one, its error is the command's.
 */
export async function eachTarget<T>(
  targets: readonly Target[],
  read: (target: Target) => Promise<T>,
  notice: (line: string) => void,
): Promise<{ target: Target; value: T }[]> {
  const outcomes = await Promise.allSettled(targets.map(read))
  const failures = outcomes.flatMap((o, i) =>
    o.status === 'rejected' ? [{ target: targets[i] as Target, error: o.reason }] : [],
  )
  if (targets.length === 1 || failures.length === targets.length) {
    const first = failures[0]
    if (first) throw first.error
  }
  for (const { target, error } of failures)
    notice(`${target.name} is left out: ${error instanceof Error ? error.message : String(error)}`)
  return outcomes.flatMap((o, i) =>
    o.status === 'fulfilled' ? [{ target: targets[i] as Target, value: o.value }] : [],
  )
}

/**
 * Merges event streams in time order. Each event waits `windowMs` before it is shown, so a line
 * that arrives a little late from another cloud still takes its place; history comes out sorted.
 */
export async function* mergeInTimeOrder(
  streams: AsyncIterable<LogEvent>[],
  windowMs: number,
): AsyncIterable<LogEvent> {
  const held: { event: LogEvent; arrived: number }[] = []
  let open = streams.length
  let wake: (() => void) | undefined
  for (const stream of streams)
    void (async () => {
      try {
        for await (const event of stream) {
          held.push({ event, arrived: Date.now() })
          wake?.()
        }
      } finally {
        open--
        wake?.()
      }
    })()
  while (open > 0 || held.length > 0) {
    held.sort((a, b) => (a.event.time < b.event.time ? -1 : a.event.time > b.event.time ? 1 : 0))
    const due = open === 0 ? held.length : held.findIndex((h) => Date.now() - h.arrived < windowMs)
    const ready = held.splice(0, due < 0 ? held.length : due)
    for (const { event } of ready) yield event
    if (open === 0 && held.length === 0) return
    await new Promise<void>((resolve) => {
      wake = resolve
      setTimeout(resolve, windowMs / 4)
    })
  }
}
