import { existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import { relative } from 'node:path'
import {
  type FunctionMetrics,
  type LogEvent,
  type LogQuery,
  releasesKept,
  secretsWithoutValue,
  settingsOf,
  type Target,
  type TargetHost,
  type TargetInvocation,
  targetRelease,
  XfnError,
} from '@xfn/core'
import type { CloudStatus } from './deploy/client.js'
import { listSecrets, removeSecret, secretsFile, setSecret } from './secrets.js'

/*
 * The local cloud's target of the xfn command line: what `--cloud local` (the default) does for
 * each command.
 */

/** What a user needs after a deploy: the endpoints, what triggers what, and the key. */
export function describeDeployment(status: CloudStatus, projectDir: string, apiKey?: string): string {
  const lines = [`  ${status.url}`]
  for (const fn of status.functions) {
    if (fn.endpoint) {
      lines.push(
        `  ${(fn.methods ?? []).join(',').padEnd(8)} ${fn.endpoint}${fn.auth === 'key' ? '  (key)' : ''}  → ${fn.name}`,
      )
    } else if (fn.topic) lines.push(`  topic   ${fn.topic} (its queue: ${fn.queue})  → ${fn.name}`)
    else if (fn.queue) lines.push(`  queue   ${fn.queue}  → ${fn.name}`)
    else if (fn.bucket)
      lines.push(`  bucket  ${fn.bucket} (folder ${relative(projectDir, fn.folder ?? '')})  → ${fn.name}`)
    else lines.push(`  ${fn.trigger.padEnd(8)}→ ${fn.name}`)
  }
  if (apiKey && status.functions.some((fn) => fn.auth === 'key'))
    lines.push(`API key (send it as x-api-key): ${apiKey}`)
  return lines.join('\n')
}

/** The local cloud's module build of the app, ready to deploy or to load into `xfn dev`'s cloud. */
export async function localDeployment(host: TargetHost, options: { verifyStable?: boolean } = {}) {
  const { dir, build } = await host.build('local', options)
  const artifact = build.artifacts[0]
  if (!artifact) throw new XfnError('INTERNAL', 'The local build wrote no module.')
  // The local cloud has one stage: the config's default one.
  const stage = (host.project.config as { stage?: string }).stage ?? 'dev'
  return {
    app: host.project.app,
    module: `${dir}/${artifact.path}`,
    sha256: artifact.sha256,
    env: settingsOf(host.project.config, stage),
    secrets: (build.manifest.secrets ?? []).map((s) => s.name),
    release: {
      // Who deploys on the local cloud: the user of this machine.
      by: userInfo().username,
      ...host.sourceVersion(),
      keep: releasesKept(host.project.config),
    },
  }
}

/** Stops a deploy whose app reads a secret that has no value, with the commands that set them. */
function checkSecretsSet(host: TargetHost, declared: readonly string[]): void {
  const stored = new Set(listSecrets(secretsFile(host.project.dir)).map((s) => s.name))
  const missing = declared.filter((name) => !stored.has(name))
  if (missing.length > 0) throw secretsWithoutValue(missing, 'on the local cloud')
}

async function client(host: TargetHost) {
  const { LocalCloudClient } = await import('./deploy/client.js')
  return new LocalCloudClient(host.project.dir)
}

async function deploy(host: TargetHost, port: number | undefined) {
  const { project } = host
  const started = Date.now()
  const result = await host.step(
    `Deploying ${project.app} to the local cloud`,
    async () => {
      const deployment = await localDeployment(host)
      checkSecretsSet(host, deployment.secrets)
      return (await client(host)).deploy(deployment, port === undefined ? {} : { port })
    },
    (done) =>
      `${done.started ? `started (pid ${done.status.pid})` : 'updated'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
  host.log(describeDeployment(result.status, project.dir, result.apiKey))
  host.log(`Logs: ${host.commandLine('logs', '--follow')}    Stop: ${host.commandLine('destroy', '--yes')}`)
  return { ...result.status, apiKey: result.apiKey }
}

async function destroy(host: TargetHost, keepData: boolean) {
  const cloud = await client(host)
  if (keepData) {
    const { stopped } = await cloud.destroy({ keepData: true })
    host.log(
      stopped
        ? `Stopped the local cloud; its queued messages, buckets and logs are kept. Start it again with '${host.commandLine('deploy')}'.`
        : 'No local cloud was running; its data is kept.',
    )
    return { destroyed: false, stopped, keptData: true }
  }
  if (
    !(await host.confirm(`Delete the local cloud of ${host.project.app} with its queues, buckets and logs?`))
  )
    return { destroyed: false }
  const result = await cloud.destroy()
  host.log(
    result.stopped
      ? 'Stopped the local cloud and removed its state.'
      : 'Removed the local state (no cloud was running).',
  )
  return { destroyed: true, ...result }
}

async function status(host: TargetHost) {
  const { project } = host
  const found = await (await client(host)).status()
  if (!found) {
    host.log(`The local cloud of ${project.app} is not running. Start it with: ${host.commandLine('deploy')}`)
    return { running: false }
  }
  host.log(
    `Local cloud of ${found.app ?? project.app}: pid ${found.pid}, deployed ${found.deployedAt ?? 'nothing'}`,
  )
  host.log(describeDeployment(found, project.dir))
  const queues = Object.entries(found.queues)
  if (queues.length > 0) {
    host.log('Queues:')
    for (const [name, depth] of queues)
      host.log(`  ${name.padEnd(24)} ${depth.visible} waiting, ${depth.hidden} in flight or delayed`)
  }
  return { running: true, ...found }
}

async function invoke(host: TargetHost, functionName: string, request: TargetInvocation) {
  const { readLogs } = await import('./observe/observe.js')
  const { statePaths } = await import('./state.js')
  const { project } = host
  const cloud = await client(host)
  const found = await cloud.status()
  if (!found)
    throw new XfnError(
      'INVALID_OPTIONS',
      `The local cloud of ${project.app} is not running. Start it with: ${host.commandLine('deploy')}`,
    )
  const fn = found.functions.find((f) => f.name === functionName)
  if (!fn)
    throw new XfnError(
      'UNKNOWN_FUNCTION',
      `There is no function '${functionName}' in the deployed app (it has: ${found.functions.map((f) => f.name).join(', ')}).`,
    )
  const { data } = request
  const started = new Date()
  let outcome: Record<string, unknown>
  let logQuery: { invocationId?: string; functions?: string[] }
  if (fn.trigger === 'http') {
    const template = (fn.endpoint ?? found.url).slice(found.url.length) || '/'
    const path = request.path ?? template
    if (/[{}]/.test(path))
      throw new XfnError(
        'INVALID_OPTIONS',
        `The route of '${fn.name}' is ${template}: pass the path to call, such as --path ${template.replace(/\{\*?([^}]+)\}/g, '<$1>')}.`,
      )
    const method = (request.method ?? fn.methods?.[0] ?? 'GET').toUpperCase()
    const headers: Record<string, string> = {}
    if (data) headers['content-type'] = /^\s*[[{"]/.test(data) ? 'application/json' : 'text/plain'
    if (fn.auth === 'key') headers['x-api-key'] = cloud.apiKey()
    const response = await fetch(new URL(path, found.url), {
      method,
      headers,
      ...(data && method !== 'GET' && method !== 'HEAD' ? { body: data } : {}),
    })
    const body = await response.text()
    outcome = { status: response.status, headers: Object.fromEntries(response.headers), body }
    logQuery = { functions: [fn.name] }
    host.log(`${method} ${path} → ${response.status}\n${body}`)
  } else {
    const result = await cloud.invoke(fn.name, data)
    outcome = result
    logQuery = { invocationId: result.invocationId }
    host.log(
      result.ok
        ? `${fn.name}: done (invocation ${result.invocationId})`
        : `${fn.name}: failed: ${result.error}`,
    )
  }
  // The local cloud writes its records within a tenth of a second.
  await new Promise((resolve) => setTimeout(resolve, 250))
  const logs: LogEvent[] = []
  for await (const event of readLogs(statePaths(project.dir), { ...logQuery, since: started }))
    logs.push(event)
  return { function: fn.name, trigger: fn.trigger, ...outcome, logs }
}

async function logs(host: TargetHost, query: LogQuery): Promise<AsyncIterable<LogEvent>> {
  const { readLogs } = await import('./observe/observe.js')
  const { statePaths } = await import('./state.js')
  const paths = statePaths(host.project.dir)
  if (!query.follow && !existsSync(paths.logs))
    host.notice(
      `No logs recorded for ${host.project.app} on the local cloud yet. Deploy it with '${host.commandLine('deploy')}'.`,
    )
  return readLogs(paths, query)
}

async function metrics(
  host: TargetHost,
  window: { since?: Date | undefined; periodMs?: number | undefined },
): Promise<FunctionMetrics[]> {
  const { readMetrics } = await import('./observe/observe.js')
  const { statePaths } = await import('./state.js')
  return readMetrics(statePaths(host.project.dir), { ...window, warn: host.notice })
}

/** The local cloud: a process on this machine that runs the app as the clouds would. */
export const localTarget: Target = {
  name: 'local',
  description: 'the local cloud, a process on this machine (the default)',
  settings: {
    port: {
      description: 'the port to listen on when it starts (default 4747; 0 for any free port)',
      type: 'integer',
      commands: ['deploy'],
    },
  },
  keepData: true,
  build: async (input) => (await import('./build/index.js')).buildLocal(input),
  deploy: (host, given) => deploy(host, given.port as number | undefined),
  destroy: (host, _given, { keepData }) => destroy(host, keepData),
  status: (host) => status(host),
  invoke: (host, _given, name, request) => invoke(host, name, request),
  logs: (host, _given, query) => logs(host, query),
  metrics: (host, _given, window) => metrics(host, window),
  releases: {
    list: async (host) => (await client(host)).releases().map((r) => targetRelease(r, r.live)),
    // A local rollback swaps the whole build, resources and all: the local cloud makes what a build
    // declares, and keeps the data of what it no longer declares, so no release is refused.
    rollback: async (host, _given, { to }) =>
      targetRelease(await (await client(host)).rollback(to, host.commandLine), true),
  },
  secrets: {
    set: async (host, _given, name, value) => setSecret(secretsFile(host.project.dir), name, value),
    list: async (host) => listSecrets(secretsFile(host.project.dir)),
    remove: async (host, _given, name) => removeSecret(secretsFile(host.project.dir), name),
  },
}
