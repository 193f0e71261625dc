import { describe, expect, it } from 'vitest'
import { bucketLimit, bucketOf, MetricsRecorder } from './metrics.js'

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
