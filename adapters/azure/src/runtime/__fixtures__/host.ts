/**
 * Plays the Azure Functions host for tests: the real `@azure/functions` library asks the host for
 * the module `@azure/functions-core`, which the real worker injects by hooking `require`. This
 * does the same with a small stand-in that records every function the library registers, so a
 * test can assert the registrations and call the real handlers.
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
  setProgrammingModel: () => undefined,
  getProgrammingModel: () => undefined,
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
