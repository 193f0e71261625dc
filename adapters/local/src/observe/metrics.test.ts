import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { statePaths } from '../state.js'
import { bucketLimit, bucketOf, MetricsRecorder } from './metrics.js'
import { readMetrics } from './observe.js'

describe('duration buckets', () => {
  it.each([0.005, 0.05, 1, 12.5, 250, 30_000])('hold %f ms within 10%', (ms) => {
    const bucket = bucketOf(ms)
    expect(bucketLimit(bucket)).toBeGreaterThanOrEqual(ms * 0.999)
    expect(bucketLimit(bucket)).toBeLessThanOrEqual(Math.max(ms * 1.1, 0.011))
  })
})

describe('the invocation counts', () => {
  it.runIf(process.platform === 'linux')('are dropped, not fatal, when the disk is full', () => {
    const recorder = new MetricsRecorder('/dev/full')
    recorder.record('fn', 'http', 1, 'ok')
    expect(() => recorder.close()).not.toThrow()
  })
})

describe('reading the invocation counts', () => {
  const folder = mkdtempSync(join(tmpdir(), 'xfn-metrics-'))
  const paths = statePaths(folder)
  mkdirSync(paths.root, { recursive: true })
  const line = (fn: string, time: number, count = 1) =>
    JSON.stringify({
      time,
      function: fn,
      trigger: 'http',
      count,
      errors: 0,
      timeouts: 0,
      maxMs: 2,
      histogram: { 80: count },
    })

  it('skips a damaged record with a warning naming file and line, and counts the rest', async () => {
    const now = Date.now()
    writeFileSync(
      paths.invocations,
      [line('a', now - 5000), '{"time": 1}', 'null', '{not json', line('a', now - 4000, 2), ''].join('\n'),
    )
    const warnings: string[] = []
    const [a] = await readMetrics(paths, { warn: (message) => warnings.push(message) })
    expect(a).toMatchObject({ function: 'a', invocations: 3 })
    expect(warnings).toEqual(
      [2, 3, 4].map((n) => `${paths.invocations} line ${n} is damaged; it was skipped`),
    )
  })

  it('reads 130,000 records (a day and a half of one function, each second)', async () => {
    const start = Date.now() - 130_000 * 1000
    writeFileSync(
      paths.invocations,
      `${Array.from({ length: 130_000 }, (_, i) => line('busy', start + i * 1000)).join('\n')}\n`,
    )
    const [busy] = await readMetrics(paths)
    expect(busy?.invocations).toBe(130_000)
    expect(busy?.series.reduce((sum, n) => sum + n, 0)).toBe(130_000)
  })
})
