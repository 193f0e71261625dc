/* The shape every cloud's deployer plans in, and the one runner that performs a plan. */

export type ChangeAction = 'create' | 'update' | 'delete'

/** One step of a deploy: what changes, why, and the calls that make it so. */
export interface Change<Context> {
  readonly action: ChangeAction
  readonly kind: string
  readonly name: string
  readonly reason: string
  /** Changes run in phase order, so each finds what it depends on already made. */
  readonly phase: number
  readonly run: (context: Context) => Promise<void>
}

export type ProgressEvent<Context> =
  | { readonly status: 'start'; readonly change: Change<Context> }
  | { readonly status: 'done'; readonly change: Change<Context>; readonly elapsedMs: number }
  | { readonly status: 'warning'; readonly message: string }

export interface RunChangesOptions<Context> {
  readonly onProgress?: ((event: ProgressEvent<Context>) => void) | undefined
  /** Changes of one phase and kind run this many at a time; default 4. */
  readonly concurrency?: number | undefined
  /** Kinds whose changes touch one shared document, so they run one by one. */
  readonly oneAtATime?: ReadonlySet<string>
  /** Turns a failure into the error the user sees, given the step (`create queue orders`). */
  readonly failure: (step: string, error: unknown) => Error
}

/**
 * Performs planned changes in phase order. Independent changes of one phase run a few at a
 * time. The first failure stops the run with the error `failure` makes of it; what was done
 * stays done, and planning again finds the rest.
 */
export async function runChanges<Context>(
  changes: readonly Change<Context>[],
  context: Context,
  options: RunChangesOptions<Context>,
): Promise<void> {
  const progress = options.onProgress ?? (() => undefined)
  const run = async (change: Change<Context>) => {
    const started = performance.now()
    progress({ status: 'start', change })
    try {
      await change.run(context)
    } catch (error) {
      throw options.failure(`${change.action} ${change.kind} ${change.name}`, error)
    }
    progress({ status: 'done', change, elapsedMs: performance.now() - started })
  }
  for (const group of phases(changes)) {
    const limit = options.oneAtATime?.has(group[0]?.kind ?? '') ? 1 : (options.concurrency ?? 4)
    await runLimited(group, limit, run)
  }
}

/** One line per change, as `xfn deploy --dry-run` prints it. */
export function describeChange(change: Pick<Change<never>, 'action' | 'kind' | 'name' | 'reason'>): string {
  const sign = change.action === 'create' ? '+' : change.action === 'update' ? '~' : '-'
  return `${sign} ${change.action} ${change.kind} ${change.name}: ${change.reason}`
}

function phases<Context>(changes: readonly Change<Context>[]): Change<Context>[][] {
  const groups: Change<Context>[][] = []
  for (const change of changes) {
    const last = groups.at(-1)
    if (last && last[0]?.phase === change.phase && last[0].kind === change.kind) last.push(change)
    else groups.push([change])
  }
  return groups
}

async function runLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0
  let failure: unknown
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T
      try {
        await run(item)
      } catch (error) {
        failure ??= error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure !== undefined) throw failure
}

export type Sleep = (ms: number) => Promise<void>
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Retries an operation while `retryable` says its error will pass, with exponential backoff (1 s
 * doubling to 16 s) until `timeoutMs` of waiting; then the last error is thrown. For what a cloud
 * makes eventually: an IAM role Lambda can assume, a Functions host's key.
 */
export async function retrying<T>(
  operation: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  options: { timeoutMs: number; sleep: Sleep },
): Promise<T> {
  let waited = 0
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation()
    } catch (error) {
      const delay = Math.min(16_000, 1000 * 2 ** attempt)
      if (!retryable(error) || waited + delay > options.timeoutMs) throw error
      await options.sleep(delay)
      waited += delay
    }
  }
}
