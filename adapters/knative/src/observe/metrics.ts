import type { FunctionMetrics, LogEvent, Manifest } from '@xfn/core'

/**
 * Each function's calls, errors and durations over a window, from the entry's `report` lines in
 * its pods' logs: what every cluster has, whether or not it runs Prometheus. A pod's log goes
 * with the pod, so calls of pods that have scaled away are not counted.
 */
export function metricsFromReports(
  manifest: Manifest,
  events: readonly LogEvent[],
  window: { readonly since: number; readonly until: number; readonly periodMs: number },
): FunctionMetrics[] {
  const periods = Math.max(1, Math.ceil((window.until - window.since) / window.periodMs))
  return manifest.functions.map((fn) => {
    const reports = events.filter(
      (e) => e.function === fn.name && e.kind === 'platform' && typeof e.fields?.durationMs === 'number',
    )
    const durations = reports.map((e) => e.fields?.durationMs as number).sort((a, b) => a - b)
    const at = (q: number) =>
      durations.length === 0
        ? 0
        : (durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] as number)
    const series = new Array<number>(periods).fill(0)
    for (const e of reports) {
      const index = Math.floor((Date.parse(e.time) - window.since) / window.periodMs)
      if (index >= 0 && index < periods) series[index] = (series[index] ?? 0) + 1
    }
    return {
      function: fn.name,
      trigger: fn.trigger.type,
      invocations: reports.length,
      errors: reports.filter((e) => e.fields?.outcome === 'error').length,
      timeouts: 0,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      p99Ms: at(0.99),
      maxMs: durations.at(-1) ?? 0,
      series,
    }
  })
}
