import { ux } from '@oclif/core'
import { describeChange, type ProgressEvent } from '@xfn/core'

/* What `xfn deploy` prints on every cloud: the steps, each change's progress, and the endpoints. */

export type Log = (line: string) => void

/** Runs a step under a spinner that says 'failed' if it throws, so the error that follows reads clearly. */
export async function step<T>(title: string, body: () => Promise<T>, done: (value: T) => string): Promise<T> {
  ux.action.start(title)
  try {
    const value = await body()
    ux.action.stop(done(value))
    return value
  } catch (error) {
    ux.action.stop('failed')
    throw error
  }
}

/** Prints each finished change with its time, and each warning. */
export function progressPrinter(log: Log) {
  return (event: ProgressEvent<never>) => {
    if (event.status === 'done')
      log(
        `  ✓ ${event.change.action} ${event.change.kind} ${event.change.name} (${(event.elapsedMs / 1000).toFixed(1)} s)`,
      )
    if (event.status === 'warning') log(`  ! ${event.message}`)
  }
}

export interface Endpoints {
  readonly baseUrl: string | undefined
  readonly routes: readonly { readonly route: string; readonly function: string; readonly auth: string }[]
  readonly apiKey: string | undefined
}

/** The base URL, each route and the key, after a deploy. */
export function printEndpoints(endpoints: Endpoints, log: Log) {
  if (endpoints.baseUrl) {
    log(`  ${endpoints.baseUrl}`)
    for (const route of endpoints.routes)
      log(`  ${route.route.padEnd(28)}${route.auth === 'key' ? ' (key)' : '      '}  → ${route.function}`)
  }
  if (endpoints.apiKey) log(`API key (send it as x-api-key): ${endpoints.apiKey}`)
}

type Planned = { readonly changes: readonly Parameters<typeof describeChange>[0][] }
type Apply<T> = (onProgress: ReturnType<typeof progressPrinter>) => Promise<T>

/**
 * The end of `xfn deploy` on any cloud: prints the plan, stops there on a dry run, or applies it
 * and prints the endpoints.
 */
export async function finishDeploy<T extends Endpoints>(
  plan: Planned,
  where: string,
  options: { dryRun: boolean; started: number; apply: Apply<T>; log: Log },
) {
  const { log } = options
  const changes = plan.changes.map(describeChange)
  for (const change of changes) log(`  ${change}`)
  if (options.dryRun) {
    log(
      changes.length === 0 ? `Nothing to change for ${where}.` : `Dry run: nothing was changed for ${where}.`,
    )
    return { dryRun: true, changes }
  }
  const endpoints = await options.apply(progressPrinter(log))
  const seconds = ((performance.now() - options.started) / 1000).toFixed(1)
  log(`Deployed ${where}: ${changes.length} change(s) in ${seconds} s.`)
  printEndpoints(endpoints, log)
  return { dryRun: false, changes, endpoints }
}

/** The end of `xfn destroy` on any cloud: prints what goes, asks, removes it. */
export async function finishDestroy(
  plan: Planned,
  where: string,
  options: {
    question: string
    confirm: (question: string) => Promise<boolean>
    apply: Apply<unknown>
    log: Log
  },
) {
  const { log } = options
  if (plan.changes.length === 0) {
    log(`Nothing of ${where} exists.`)
    return { destroyed: false, changes: [] }
  }
  const changes = plan.changes.map(describeChange)
  for (const change of changes) log(`  ${change}`)
  if (!(await options.confirm(options.question))) return { destroyed: false, changes: [] }
  await options.apply(progressPrinter(log))
  log(`Destroyed ${where}.`)
  return { destroyed: true, changes }
}
