import { type ErrorClass, errorClassOf, XfnError } from '@xfn/core'

/**
 * Exit codes, one per class of failure, so scripts can tell them apart.
 * 1: the command ran and found problems (`xfn check` on an app that is not portable).
 */
export const exitCodes = {
  problemsFound: 1,
  user: 2,
  cloud: 3,
  internal: 4,
} as const satisfies Record<ErrorClass | 'problemsFound', number>

export function exitCodeFor(error: unknown): number {
  return error instanceof XfnError ? exitCodes[errorClassOf(error.code)] : exitCodes.internal
}
