import { XfnError } from '@xfn/core'

const units = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** `30s`, `15m`, `2h`, `1d` in milliseconds; `flag` names the option in the error. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim())
  if (!match || Number(match[1]) === 0)
    throw new XfnError(
      'INVALID_OPTIONS',
      `${flag}: '${text}' is not a duration; use a number and s, m, h or d, such as 30s or 15m.`,
    )
  return Number(match[1]) * units[match[2] as keyof typeof units]
}

/** `15m`, `2h`, `1d`, `30s` ago, or an ISO time. */
export function parseSince(text: string): Date {
  if (/^\d+\s*[smhd]$/.test(text.trim())) return new Date(Date.now() - parseDuration(text, '--since'))
  const time = new Date(text)
  if (Number.isNaN(time.getTime())) {
    throw new XfnError(
      'INVALID_OPTIONS',
      `--since: '${text}' is neither a duration (15m, 2h, 1d) nor a time (2026-11-22T10:00:00Z).`,
    )
  }
  return time
}
