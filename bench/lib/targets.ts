/**
 * A benchmark's targets: each printed as met (✓) or missed (✗) with its figures; `finish` ends
 * the run, failed when a target was missed and XFN_BENCH_STRICT is set (npm run bench -- --strict).
 */
export function targets() {
  let missed = false
  return {
    target(label: string, met: boolean, detail: string): void {
      console.log(`  ${met ? '✓' : '✗'} ${label}: ${detail}`)
      if (!met) missed = true
    },
    finish(): never {
      if (missed && process.env.XFN_BENCH_STRICT) process.exitCode = 1
      process.exit()
    },
  }
}
