/**
 * Plays the Azure Functions host for tests: the real `@azure/functions` library asks the host for
 * the module `@azure/functions-core`, which the real worker injects by hooking `require`. This
 * does the same with a small stand-in that records every function the library registers and the
 * programming model it sets, so a test can assert the registrations and invoke a function the
 * way the worker does: RPC typed data in, through the library's own `InvocationModel`.
 */
import { existsSync, readFileSync } from 'node:fs'
import Module from 'node:module'

export interface Registration {
  readonly metadata: {
    readonly name: string
    readonly bindings: Record<string, Record<string, unknown> & { type: string; direction: string }>
  }
  readonly handler: (input: unknown, context: unknown) => Promise<unknown>
}

export const registrations: Registration[] = []

/** RPC `TypedData`, as the host sends it (one field set). */
export type RpcTypedData = Readonly<
  Partial<
    Record<'string' | 'json', string> &
      Record<'bytes', Uint8Array> &
      Record<'int' | 'double', number> &
      Record<'http', Record<string, unknown>>
  >
>

interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>
  invokeFunction(context: unknown, inputs: unknown[], handler: Registration['handler']): Promise<unknown>
  getResponse(context: unknown, result: unknown): Promise<unknown>
}

interface ProgrammingModel {
  getInvocationModel(coreContext: unknown): InvocationModel
}

let programmingModel: ProgrammingModel | undefined

class Disposable {
  constructor(private readonly onDispose: () => void) {}
  dispose() {
    this.onDispose()
  }
}

const core = {
  Disposable,
  registerFunction(metadata: Registration['metadata'], handler: Registration['handler']) {
    registrations.push({ metadata, handler })
    return new Disposable(() =>
      registrations.splice(
        registrations.findIndex((r) => r.handler === handler),
        1,
      ),
    )
  },
  registerHook: () => new Disposable(() => undefined),
  setProgrammingModel(model: ProgrammingModel) {
    programmingModel = model
  },
  getProgrammingModel: () => programmingModel,
  log: () => undefined,
}

const hooked = Module.prototype as unknown as { require: (this: unknown, id: string) => unknown }
const original = hooked.require
hooked.require = function (this: unknown, id: string) {
  return id === '@azure/functions-core' ? core : original.call(this, id)
}

/** Forgets what earlier tests registered. */
export function resetRegistrations(): void {
  registrations.length = 0
}

export function registration(name: string): Registration {
  const found = registrations.find((r) => r.metadata.name === name)
  if (!found)
    throw new Error(
      `no function '${name}' was registered; registered: ${registrations.map((r) => r.metadata.name).join(', ')}`,
    )
  return found
}

/**
 * The typed data the host sends for a trigger's payload: bytes when the binding asks for
 * `dataType: 'binary'`, else the text (the `dataType` of function.json, which the v4 model passes
 * through from the trigger's options).
 */
export function payloadAsHostSends(name: string, payload: Uint8Array): RpcTypedData {
  return triggerOf(name).dataType === 'binary'
    ? { bytes: payload }
    : { string: Buffer.from(payload).toString('utf8') }
}

/** A line the library logs through the worker: the level, 'user' or 'system', and the text. */
export interface WorkerLogLine {
  readonly level: string
  readonly category: string
  readonly message: string
}

/**
 * Invokes a registered function as the Node worker does: the library's invocation model turns
 * the RPC input and trigger metadata into the handler's arguments, calls it, and builds the
 * response. Returns the handler's result as the worker would send it, and its log lines (also
 * pushed to `lines` as they come, so a failed invocation's lines are kept too).
 */
export async function invokeAsWorker(
  name: string,
  rpc: { readonly input: RpcTypedData; readonly triggerMetadata?: Record<string, RpcTypedData> },
  lines: WorkerLogLine[] = [],
) {
  const found = registration(name)
  const [bindingName] = Object.entries(found.metadata.bindings).find(([, b]) => b.direction === 'in') ?? []
  if (!programmingModel) throw new Error('the library set no programming model')
  const model = programmingModel.getInvocationModel({
    invocationId: 'inv-1',
    request: {
      inputData: [{ name: bindingName, data: rpc.input }],
      triggerMetadata: rpc.triggerMetadata ?? {},
    },
    metadata: found.metadata,
    state: undefined,
    log: (level: string, category: string, message: string) => lines.push({ level, category, message }),
  })
  const { context, inputs } = await model.getArguments()
  const result = await model.invokeFunction(context, inputs, found.handler)
  return { response: await model.getResponse(context, result), lines }
}

/** The trigger binding of a registration. */
export function triggerOf(name: string) {
  const binding = Object.values(registration(name).metadata.bindings).find((b) => b.direction === 'in')
  if (!binding) throw new Error(`function '${name}' has no trigger binding`)
  return binding
}

const captures = new URL('../../../../../test/fixtures/captures/azure/', import.meta.url).pathname

export function azureCapture<T = Record<string, unknown>>(name: string): T {
  if (!existsSync(captures)) throw new Error(`The Azure captures are missing: expected them in ${captures}.`)
  return JSON.parse(readFileSync(`${captures}${name}`, 'utf8')) as T
}
