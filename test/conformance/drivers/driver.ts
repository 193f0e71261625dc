import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Platform } from '@xfn/core'
import type { AppName, Scenario } from '../scenarios.js'

const bin = fileURLToPath(new URL('../../../cli/bin/run.js', import.meta.url))
const appsDir = fileURLToPath(new URL('../apps/', import.meta.url))

/** A fresh folder of this process for a target's copies of the apps. */
export function freshWorkDir(target: Platform): string {
  const dir = fileURLToPath(new URL(`../../.tmp/conformance-${target}-${process.pid}/`, import.meta.url))
  rmSync(dir, { recursive: true, force: true })
  return dir
}

/** Copies a conformance app into a work folder, so its .xfn state starts empty. */
export function copyApp(work: string, app: AppName): string {
  const dir = join(work, app)
  mkdirSync(dir, { recursive: true })
  cpSync(join(appsDir, app), dir, { recursive: true, filter: (source) => !source.includes('.xfn') })
  return dir
}

/** Runs the xfn CLI, and returns its standard output; throws with its errors when it fails. */
export function xfn(...args: string[]): string {
  return xfnWithInput('', ...args)
}

/** Runs the xfn CLI with text on its standard input, as `printf %s "$VALUE" | xfn ...` does. */
export function xfnWithInput(input: string, ...args: string[]): string {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input })
  if (result.status !== 0) throw new Error(`xfn ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout
}

/** What a target showed for a scenario, in one neutral shape. */
export interface Observed {
  /** Which native form carried it, when a target has several (API Gateway REST, HTTP API, Function URL). */
  readonly via: string
  readonly status?: number
  /** Response headers, lowercase names, repeated values joined with ', '. */
  readonly headers?: Readonly<Record<string, string>>
  /** Set-Cookie values, normalised by normalCookie(). */
  readonly cookies?: readonly string[]
  readonly body?: Uint8Array
  readonly results: Readonly<Record<string, unknown>>
  readonly deadLettered: readonly string[]
  readonly logs: readonly { level: string; message: string; fields?: unknown }[]
}

/** One target: it turns a scenario's input into its native form and observes the outcome. */
export interface Driver {
  readonly target: Platform
  /** Builds and loads the apps it can run; an app the target refuses is reported by name, with why. */
  start(apps: readonly AppName[]): Promise<void>
  stop(): Promise<void>
  run(scenario: Scenario): Promise<Observed[]>
}

/** A Set-Cookie value as `name=value` then its lowercased attributes, sorted, for comparison. */
export function normalCookie(setCookie: string): string {
  const [pair = '', ...attributes] = setCookie.split(';').map((part) => part.trim())
  return [
    pair,
    ...attributes
      .filter(Boolean)
      .map((a) => a.toLowerCase())
      .sort(),
  ].join('; ')
}

/** A request body as bytes, from a scenario's input. */
export function requestBody(input: Extract<Scenario['input'], { kind: 'http' }>): Uint8Array | undefined {
  if (input.bodyHex !== undefined) return Buffer.from(input.bodyHex, 'hex')
  if (input.bodyBytes !== undefined) return Buffer.alloc(input.bodyBytes, 'x')
  if (input.body !== undefined) return Buffer.from(input.body)
  return undefined
}

/** The key the drivers give the app, and send for `key: 'right'`. */
export const appKey = 'conformance-key-0123456789abcdef'

/** The request path with its query, as a client sends it. */
export function pathWithQuery(input: Extract<Scenario['input'], { kind: 'http' }>): string {
  const query = (input.query ?? [])
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&')
  return query ? `${input.path}?${query}` : input.path
}

/** Request headers as pairs, with the key when the scenario sends one. */
export function requestHeaders(input: Extract<Scenario['input'], { kind: 'http' }>): [string, string][] {
  const headers = (input.headers ?? []).map(([name, value]) => [name, value] as [string, string])
  if (input.key) headers.push(['x-api-key', input.key === 'right' ? appKey : 'not-the-key'])
  return headers
}

/** Waits for a condition, polling; returns whether it came true in time. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return check()
}
