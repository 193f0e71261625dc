import { randomUUID } from 'node:crypto'
import { type Context, createContext, type FunctionDefinition } from '@xfn/core'
import { currentInvocation, type Telemetry } from '../observe/telemetry.js'

/** A handler that ran past its function's timeout. */
export class InvocationTimeout extends Error {
  override name = 'InvocationTimeout'
}

/** The process running the app ended while the invocation was under way. */
export class SandboxEnded extends Error {
  override name = 'SandboxEnded'
}

/** Invocations under way, with their deadlines; one sweep a tenth of a second cuts off the late ones. */
const underWay = new Set<{ deadline: number; cutOff: () => void; fail: (error: unknown) => void }>()
let sweeper: NodeJS.Timeout | undefined
const sweepEveryMs = 100

function sweep(): void {
  const now = Date.now()
  for (const entry of underWay) {
    if (entry.deadline <= now) {
      underWay.delete(entry)
      entry.cutOff()
    }
  }
  if (underWay.size === 0) {
    clearInterval(sweeper)
    sweeper = undefined
  }
}

let startListener: ((deadline: number) => void) | undefined

/** Has `listener` told of the deadline of each invocation as it starts (the sandbox's watchdog wants the early ones). */
export function onInvocationStart(listener: (deadline: number) => void): void {
  startListener = listener
}

/** The earliest deadline of the invocations under way, if any. */
export function earliestDeadline(): number | null {
  let earliest: number | null = null
  for (const entry of underWay) if (earliest === null || entry.deadline < earliest) earliest = entry.deadline
  return earliest
}

/** Fails every invocation under way, as the process is about to end (each gets its log line and count). */
export function failEveryInvocation(error: Error): void {
  for (const entry of [...underWay]) entry.fail(error)
}

/**
 * The platform's line that ends an invocation, as Lambda's REPORT: its duration and outcome. HTTP
 * requests get none: a line per request costs a third of the local cloud's HTTP throughput
 * (bench/local.bench.ts), and `xfn metrics` has their durations.
 */
function report(
  telemetry: Telemetry,
  fn: string,
  invocationId: string,
  durationMs: number,
  outcome: 'ok' | 'error' | 'timeout',
): void {
  telemetry.platform(
    fn,
    invocationId,
    outcome === 'ok' ? 'info' : 'error',
    `report: ${durationMs.toFixed(1)} ms${outcome === 'ok' ? '' : `, ${outcome === 'timeout' ? 'timed out' : 'failed'}`}`,
    { durationMs: Math.round(durationMs * 10) / 10, outcome },
  )
}

/**
 * Runs one invocation as the clouds do: a context whose logs go to the cloud's records, console
 * output attributed to the invocation, a deadline after the function's timeout (the handler is
 * then abandoned and the invocation fails), and a record of its outcome and duration. Written
 * with as few promises as it can: with the async context that attributes console output, every
 * promise costs on Node 20, and this runs once per request.
 */
export function runInvocation<T>(
  telemetry: Telemetry,
  fn: FunctionDefinition,
  run: (context: Context) => Promise<T> | T,
  /** Whether a result that was returned still counts as a failure (an HTTP 5xx). */
  failed: (result: T) => boolean = () => false,
): Promise<T> {
  const invocationId = randomUUID()
  const started = performance.now()
  const deadline = Date.now() + fn.settings.timeoutSeconds * 1000
  const context = createContext({
    invocationId,
    functionName: fn.name,
    cloud: 'local',
    remainingMs: () => deadline - Date.now(),
    sink: (record) => telemetry.log(record),
  })
  return new Promise<T>((resolve, reject) => {
    let settled = false
    const entry = {
      deadline,
      cutOff: () => fail(new InvocationTimeout(`timed out after ${fn.settings.timeoutSeconds} s`)),
      fail: (error: unknown) => fail(error),
    }
    const succeed = (result: T) => {
      if (settled) return
      settled = true
      underWay.delete(entry)
      const durationMs = performance.now() - started
      const outcome = failed(result) ? 'error' : 'ok'
      telemetry.invocation(fn.name, fn.trigger.type, durationMs, outcome)
      if (fn.trigger.type !== 'http') report(telemetry, fn.name, invocationId, durationMs, outcome)
      resolve(result)
    }
    const fail = (error: unknown) => {
      if (settled) return
      settled = true
      underWay.delete(entry)
      const timedOut = error instanceof InvocationTimeout
      telemetry.platform(
        fn.name,
        invocationId,
        'error',
        timedOut ? `invocation ${(error as Error).message}` : 'invocation failed',
        {
          error:
            error instanceof Error
              ? { name: error.name, message: error.message, stack: error.stack }
              : String(error),
        },
      )
      const durationMs = performance.now() - started
      telemetry.invocation(fn.name, fn.trigger.type, durationMs, timedOut ? 'timeout' : 'error')
      if (fn.trigger.type !== 'http')
        report(telemetry, fn.name, invocationId, durationMs, timedOut ? 'timeout' : 'error')
      reject(error)
    }
    underWay.add(entry)
    sweeper ??= setInterval(sweep, sweepEveryMs).unref()
    startListener?.(deadline)
    try {
      const value = currentInvocation.run({ function: fn.name, invocationId }, run, context)
      if (value instanceof Promise) value.then(succeed, fail)
      else succeed(value)
    } catch (error) {
      fail(error)
    }
  })
}
