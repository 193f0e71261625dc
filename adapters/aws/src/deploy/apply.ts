import type { AwsClients } from './clients.js'
import { cloudError, realSleep, type Sleep } from './errors.js'
import type { ApplyContext, Change, Facts } from './plan/index.js'

export type ProgressEvent =
  | { readonly status: 'start'; readonly change: Change }
  | { readonly status: 'done'; readonly change: Change; readonly elapsedMs: number }
  | { readonly status: 'warning'; readonly message: string }

export interface ApplyOptions {
  readonly onProgress?: (event: ProgressEvent) => void
  readonly sleep?: Sleep
  /** How long to retry while IAM propagates a new role; default 3 minutes. */
  readonly iamTimeoutMs?: number
  /** How long to wait for a Lambda function update to finish; default 5 minutes. */
  readonly waitSeconds?: number
  /** Changes of one phase run this many at a time; default 4. */
  readonly concurrency?: number
}

/** Kinds whose changes touch one shared document per function or bucket, so they run one by one. */
const oneAtATime = new Set(['permission', 'notifications', 'resource'])

/**
 * Performs planned changes in phase order. Independent changes of one phase run a few at a
 * time. The first failure stops the deploy with an error naming the step, the resource and the
 * AWS error code; what was done stays done, and running the deploy again finishes the rest.
 */
export async function applyChanges(
  changes: readonly Change[],
  clients: AwsClients,
  facts: Facts,
  options: ApplyOptions = {},
): Promise<void> {
  const progress = options.onProgress ?? (() => undefined)
  const context: ApplyContext = {
    clients,
    facts,
    sleep: options.sleep ?? realSleep,
    iamTimeoutMs: options.iamTimeoutMs ?? 180_000,
    waitSeconds: options.waitSeconds ?? 300,
    warn: (message) => progress({ status: 'warning', message }),
  }
  const run = async (change: Change) => {
    const started = performance.now()
    progress({ status: 'start', change })
    try {
      await change.run(context)
    } catch (error) {
      throw cloudError(`${change.action} ${change.kind} ${change.name}`, error)
    }
    progress({ status: 'done', change, elapsedMs: performance.now() - started })
  }
  for (const group of phases(changes)) {
    const limit = oneAtATime.has(group[0]?.kind ?? '') ? 1 : (options.concurrency ?? 4)
    await runLimited(group, limit, run)
  }
}

function phases(changes: readonly Change[]): Change[][] {
  const groups: Change[][] = []
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
