import { randomUUID } from 'node:crypto'
import { type Context, createContext, type FunctionDefinition } from '@xfn/core'
import { currentInvocation, type Telemetry } from './telemetry.js'

/** A handler that ran past its function's timeout. */
export class InvocationTimeout extends Error {
  override name = 'InvocationTimeout'
}

/**
 * Runs one invocation as the clouds do: a context whose logs go to the cloud's records, console
 * output attributed to the invocation, a deadline after the function's timeout (the handler is
 * then abandoned and the invocation fails), and a record of its outcome and duration.
 */
export async function runInvocation<T>(
  telemetry: Telemetry,
  fn: FunctionDefinition,
  run: (context: Context) => Promise<T> | T,
  /** Whether a result that was returned still counts as a failure (an HTTP 5xx). */
  failed: (result: T) => boolean = () => false,
): Promise<T> {
  const invocationId = randomUUID()
  const started = performance.now()
  const limitMs = fn.settings.timeoutSeconds * 1000
  const deadline = Date.now() + limitMs
  const context = createContext({
    invocationId,
    functionName: fn.name,
    cloud: 'local',
    remainingMs: () => deadline - Date.now(),
    sink: (record) => telemetry.log(record),
  })
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new InvocationTimeout(`timed out after ${fn.settings.timeoutSeconds} s`)),
      limitMs,
    )
  })
  let outcome: 'ok' | 'error' | 'timeout' = 'ok'
  try {
    const result = await Promise.race([
      currentInvocation.run({ function: fn.name, invocationId }, () => run(context)),
      timeout,
    ])
    if (failed(result)) outcome = 'error'
    return result
  } catch (error) {
    outcome = error instanceof InvocationTimeout ? 'timeout' : 'error'
    telemetry.platform(
      fn.name,
      invocationId,
      'error',
      outcome === 'timeout'
        ? `invocation ${error instanceof Error ? error.message : ''}`
        : 'invocation failed',
      {
        error:
          error instanceof Error
            ? { name: error.name, message: error.message, stack: error.stack }
            : String(error),
      },
    )
    throw error
  } finally {
    clearTimeout(timer)
    telemetry.invocation({
      time: new Date().toISOString(),
      function: fn.name,
      trigger: fn.trigger.type,
      invocationId,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      outcome,
    })
  }
}
