import type { FunctionMetrics, LogEvent } from '@xfn/core'
import type { PortabilityReport } from '@xfn/core/portability'

export interface Style {
  ok(text: string): string
  bad(text: string): string
  warn(text: string): string
  dim(text: string): string
  bold(text: string): string
}

/**
 * The portability report as a person reads it: a table of functions by cloud, then every
 * problem with its reason, then the verdict.
 */
export function formatReport(report: PortabilityReport, style: Style): string {
  const lines: string[] = []
  const fnCount = report.functions.length
  lines.push(
    style.bold(
      `App '${report.app}': ${fnCount} function${fnCount === 1 ? '' : 's'}, checked for ${report.clouds.join(', ')}`,
    ),
    '',
  )

  const header = ['function', 'trigger', ...report.clouds]
  const rows = report.functions.map((fn) => [
    fn.name,
    fn.trigger,
    ...report.clouds.map((cloud) => cell(fn.clouds[cloud])),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const pad = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  lines.push(`  ${style.dim(pad(header))}`)
  for (const row of rows) {
    const text = pad(row)
    lines.push(
      `  ${text.includes('✗') ? text.replaceAll('✗ not portable', style.bad('✗ not portable')) : text}`,
    )
  }
  if (fnCount === 0) lines.push(`  ${style.dim('(no functions registered)')}`)

  const errors = report.findings.filter((f) => f.severity === 'error')
  const warnings = report.findings.filter((f) => f.severity === 'warning')
  if (errors.length > 0) {
    lines.push('', style.bad('Not portable:'))
    for (const f of errors)
      lines.push(
        `  ${style.bad('✗')} ${f.cloud}: ${f.message.startsWith(f.subject) ? f.message : `${f.subject}: ${f.message}`}`,
      )
  }
  if (warnings.length > 0) {
    lines.push('', style.warn('Warnings:'))
    for (const f of warnings) lines.push(`  ${style.warn('!')} ${f.cloud}: ${f.subject}: ${f.message}`)
  }
  lines.push(
    '',
    `Queue messages: at most ${report.limits.queueMessageBytes / 1024} KiB to fit every cloud checked.`,
  )
  const topics = report.limits.topics
  if (topics)
    lines.push(
      `Topic messages: at most ${topics.messageBytes / 1024} KiB with their attributes, and ${topics.attributes} attributes; filters of at most ${topics.filterAttributes} attributes and ${topics.filterValues} values.`,
    )
  const failing = report.clouds.filter((c) => !report.portableTo.includes(c))
  lines.push(
    failing.length === 0
      ? style.ok(`✓ Portable to ${report.portableTo.join(', ')}.`)
      : `${report.portableTo.length > 0 ? style.ok(`✓ Portable to ${report.portableTo.join(', ')}. `) : ''}${style.bad(`✗ Not portable to ${failing.join(', ')} (${errors.length} problem${errors.length === 1 ? '' : 's'}).`)}`,
  )
  return lines.join('\n')
}

function cell(outcome: { ok: boolean; detail: string } | undefined): string {
  if (!outcome) return ''
  if (!outcome.ok) return '✗ not portable'
  return outcome.detail === 'ok' ? '✓' : `✓ ${outcome.detail}`
}

/** Colours for a terminal, off when output is not a TTY, with NO_COLOR set, or with --no-color. */
export function terminalStyle(noColor: boolean): Style {
  const color = !noColor && !process.env.NO_COLOR && process.stdout.isTTY === true
  const paint = (code: number) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text)
  return { ok: paint(32), bad: paint(31), warn: paint(33), dim: paint(2), bold: paint(1) }
}

const levelColour = { debug: 'dim', info: 'ok', warn: 'warn', error: 'bad' } as const

/** One log event as one readable line: time, cloud/function, level, invocation, message, fields. */
export function formatEvent(event: LogEvent, style: ReturnType<typeof terminalStyle>): string {
  const fields =
    event.fields && Object.keys(event.fields).length > 0
      ? ` ${style.dim(JSON.stringify(event.fields, withoutStacks))}`
      : ''
  const level = style[levelColour[event.level]](event.level.toUpperCase().padEnd(5))
  const source = `${event.cloud}/${event.function}`.padEnd(24)
  const kind = event.kind === 'platform' ? style.dim('[platform] ') : ''
  return `${event.time}  ${source} ${level} ${style.dim(event.invocationId.slice(0, 8))}  ${kind}${event.message}${fields}`
}

/** Errors read on one line: their name and message; the stack stays in `--json`. */
function withoutStacks(key: string, value: unknown): unknown {
  return key === 'stack' ? undefined : value
}

const bars = '▁▂▃▄▅▆▇█'

/** Invocations over the window as a row of bars, scaled to the busiest period; a dot for none. */
export function sparkline(series: readonly number[]): string {
  const top = Math.max(0, ...series)
  return series
    .map((n) => (n === 0 ? '·' : bars[Math.min(bars.length - 1, Math.floor((n / top) * (bars.length - 1)))]))
    .join('')
}

/** One row per function: calls, errors and their share, latency percentiles, and a sparkline. */
export function metricsTable(metrics: readonly FunctionMetrics[], style: Style): string {
  const header = `${'function'.padEnd(18)} ${'trigger'.padEnd(7)} ${'calls'.padStart(6)} ${'errors'.padStart(6)} ${'err %'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  calls over time`
  const rows = metrics.map((m) => {
    const share = m.invocations === 0 ? 0 : (100 * m.errors) / m.invocations
    const errors = `${String(m.errors).padStart(6)} ${share.toFixed(1).padStart(6)}`
    return `${m.function.padEnd(18)} ${m.trigger.padEnd(7)} ${String(m.invocations).padStart(6)} ${m.errors > 0 ? style.bad(errors) : errors} ${m.p50Ms.toFixed(1).padStart(8)} ${m.p95Ms.toFixed(1).padStart(8)} ${m.p99Ms.toFixed(1).padStart(8)}  ${style.ok(sparkline(m.series))}`
  })
  return [style.bold(header), ...rows].join('\n')
}
