import { type ProgressEvent as AnyProgressEvent, realSleep, runChanges, type Sleep } from '@xfn/core'
import type { AwsClients } from './clients.js'
import { cloudError } from './errors.js'
import type { ApplyContext, Change, Facts } from './plan/index.js'

export type ProgressEvent = AnyProgressEvent<ApplyContext>

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
 * Performs planned changes in phase order, a few at a time within a phase. The first failure
 * stops the deploy with an error naming the step, the resource and the AWS error code; what was
 * done stays done, and running the deploy again finishes the rest.
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
  await runChanges(changes, context, {
    onProgress: progress,
    concurrency: options.concurrency,
    oneAtATime,
    failure: (step, error) => cloudError(step, error, { changing: true }),
  })
}
