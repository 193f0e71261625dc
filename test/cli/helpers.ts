import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const bin = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url))

/** Runs the xfn CLI; oclif's wrapped error lines are read back as one line. */
export function xfn(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })
  const stderr = result.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')
  return { code: result.status, stdout: result.stdout, stderr }
}

/**
 * The same, without blocking the test's event loop (for long commands while servers run
 * in-process); `env`, when given, is the whole environment of the command, and `input` its
 * standard input.
 */
export function xfnAsync(
  ...args: [...string[]] | [{ env: NodeJS.ProcessEnv; input?: string }, ...string[]]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [first, ...rest] = args
  const env = typeof first === 'object' ? first.env : process.env
  const input = typeof first === 'object' ? first.input : undefined
  const argv = (typeof first === 'object' ? rest : args) as string[]
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...argv], { env: { ...env, NO_COLOR: '1' } })
    // Standard input, as `printf %s "$VALUE" | xfn ...` gives it.
    child.stdin.end(input)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('close', (code) =>
      resolve({ code, stdout, stderr: stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ') }),
    )
  })
}

export const testApp = (name: string) => fileURLToPath(new URL(`../apps/${name}`, import.meta.url))

/** A fresh copy of a test app under test/.tmp, so tests that keep state do not share it. */
export function copyOfApp(name: string, label: string): string {
  const target = fileURLToPath(new URL(`../.tmp/${label}-${process.pid}`, import.meta.url))
  rmSync(target, { recursive: true, force: true })
  mkdirSync(target, { recursive: true })
  cpSync(testApp(name), target, { recursive: true, filter: (source) => !source.includes('/.xfn') })
  return target
}

export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'the condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let last: T | undefined
  while (Date.now() < deadline) {
    last = await check()
    if (last) return last as NonNullable<T>
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`)
}

/** Whether a process runs (a zombie, ended but not yet reaped, does not). */
export function runs(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** What `xfn deploy --json` prints for the local cloud (the fields tests read). */
export interface Deployed {
  url: string
  apiKey: string
  pid: number
  functions: { name: string; trigger: string; endpoint?: string }[]
}

/** Deploys a project to a local cloud on a free port; a failed deploy throws with its error output. */
export async function deployLocal(project: string): Promise<Deployed> {
  const result = await xfnAsync('deploy', project, '--port', '0', '--json')
  if (result.code !== 0) throw new Error(`deploy failed: ${result.stderr}`)
  return JSON.parse(result.stdout) as Deployed
}

/** One log event as `xfn logs --json` prints it (the fields tests read). */
export interface LogLine {
  function: string
  level: string
  message: string
  kind: string
  fields?: Record<string, unknown>
}

/** The local cloud's log events of a project, through the CLI. */
export function logs(project: string, ...args: string[]): LogLine[] {
  const result = xfn('logs', '--project', project, '--json', ...args)
  if (result.code !== 0) throw new Error(result.stderr)
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogLine)
}

/**
 * A Lambda Function URL request for `GET <path>` from curl: the captured event of
 * aws-lambda-go (test/fixtures/captures), with its path, method, host and user agent set and
 * its query, cookies and body taken out. `captures` is the folder of the AWS captures (a bundled
 * benchmark gives it, since its own URL is elsewhere).
 */
export function functionUrlEvent(
  path: string,
  captures = fileURLToPath(new URL('../fixtures/captures/aws/', import.meta.url)),
): Record<string, unknown> {
  const captured = JSON.parse(
    readFileSync(join(captures, 'aws-lambda-go__lambda-urls-request.json'), 'utf8'),
  ) as { requestContext: { http: Record<string, unknown> } & Record<string, unknown> }
  const host = 'abc.lambda-url.us-east-1.on.aws'
  const {
    cookies: _cookies,
    body: _body,
    queryStringParameters: _query,
    ...rest
  } = captured as Record<string, unknown>
  return {
    ...rest,
    rawPath: path,
    rawQueryString: '',
    headers: { host, 'user-agent': 'curl/8.5.0' },
    requestContext: {
      ...captured.requestContext,
      domainName: host,
      http: { ...captured.requestContext.http, method: 'GET', path, userAgent: 'curl/8.5.0' },
    },
  }
}
