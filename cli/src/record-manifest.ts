/**
 * Runs in a child process: waits to be told which bundle to load, imports it, whose registrations fill the process-wide
 * registry, and sends the app's manifest (or the error that stopped it) back to the parent.
 */
import { pathToFileURL } from 'node:url'
import { defaultRegistry, errorCodes, type Manifest, toManifest } from '@xfn/core'

export type RecordOutcome =
  | { readonly ok: true; readonly manifest: Manifest }
  | { readonly ok: false; readonly message: string; readonly code?: string; readonly stack?: string }

async function record(bundle: string, app: string): Promise<RecordOutcome> {
  try {
    await import(pathToFileURL(bundle).href)
    return { ok: true, manifest: toManifest(defaultRegistry(), { app }) }
  } catch (error) {
    const raw = (error as { code?: unknown }).code
    const code = typeof raw === 'string' && raw in errorCodes ? raw : undefined
    const message = error instanceof Error ? error.message : String(error)
    const stack = error instanceof Error ? error.stack : undefined
    return {
      ok: false,
      message: code ? message : `Your app threw while it was loading: ${message}`,
      ...(code ? { code } : {}),
      ...(stack ? { stack } : {}),
    }
  }
}

/** What the command line sends once the bundle is written. */
export interface RecordRequest {
  readonly bundle: string
  readonly app: string
}

if (process.send) {
  process.once('message', async ({ bundle, app }: RecordRequest) => {
    const outcome = await record(bundle, app)
    process.send?.(outcome, () => process.exit(0))
  })
}
