import { Bench } from 'tinybench'

export interface Candidate {
  readonly name: string
  readonly fn: () => unknown
}

/** A speed target: `task` takes at most `times` the time of `than` (the baseline by default). */
export interface Target {
  readonly task: string
  readonly atMost: number
  readonly than?: string
}

/**
 * Measures a baseline and its candidates in one process, one after the other, and prints each
 * one's time per operation and its ratio to the baseline, then whether each target was met.
 * Ratios, not absolute times, are what carry from one noisy machine to another.
 */
export async function compare(
  title: string,
  baseline: Candidate,
  candidates: Candidate[],
  targets: Target[] = [],
) {
  const bench = new Bench({ time: 1500, warmupTime: 300 })
  for (const task of [baseline, ...candidates]) bench.add(task.name, task.fn)
  await bench.run()
  const means = new Map<string, number>()
  for (const task of bench.tasks) {
    const result = task.result
    if (result?.state !== 'completed')
      throw new Error(`${task.name} did not complete: ${JSON.stringify(result)}`)
    means.set(task.name, result.latency.mean)
  }
  const base = means.get(baseline.name) ?? Number.NaN
  console.log(`\n${title}`)
  const width = Math.max(...[...means.keys()].map((name) => name.length))
  for (const [name, mean] of means) {
    const ratio = name === baseline.name ? 'baseline' : `${(mean / base).toFixed(2)}x baseline`
    console.log(`  ${name.padEnd(width)}  ${(mean * 1000).toFixed(2).padStart(9)} µs/op  ${ratio}`)
  }
  for (const target of targets) {
    const against = target.than ?? baseline.name
    const ratio = (means.get(target.task) ?? Number.NaN) / (means.get(against) ?? Number.NaN)
    const met = ratio <= target.atMost
    console.log(
      `  ${met ? '✓' : '✗'} ${target.task}: ${ratio.toFixed(2)}x ${against} (target ≤ ${target.atMost}x)`,
    )
    if (!met && process.env.XFN_BENCH_STRICT) process.exitCode = 1
  }
}
