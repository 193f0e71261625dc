import { ux } from '@oclif/core'

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

type ProgressEvent =
  | { readonly status: 'start' }
  | {
      readonly status: 'done'
      readonly change: { action: string; kind: string; name: string }
      readonly elapsedMs: number
    }
  | { readonly status: 'warning'; readonly message: string }

/** Prints each finished change with its time, and each warning. */
export function progressPrinter(log: Log) {
  return (event: ProgressEvent) => {
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
