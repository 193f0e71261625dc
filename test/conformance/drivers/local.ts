import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { LocalCloudClient, readLogs, statePaths } from '@xfn/local'
import { type AppName, conformanceSecret, type Scenario } from '../scenarios.js'
import {
  appKey,
  copyApp,
  type Driver,
  freshWorkDir,
  normalCookie,
  type Observed,
  pathWithQuery,
  requestBody,
  requestHeaders,
  until,
  xfn,
  xfnWithInput,
} from './driver.js'

/** Where each app's dead letters go: `jobs`'s, or the `flaky` subscription's. */
const deadLetterQueues: Record<AppName, string> = {
  parity: 'jobs-dlq',
  deletions: 'jobs-dlq',
  topics: 'order-placed.flaky-dlq',
}

interface Deployed {
  readonly name: AppName
  readonly dir: string
  readonly url: string
  readonly client: LocalCloudClient
}

/** The real local cloud, over HTTP on 127.0.0.1: one cloud process per app, as `xfn deploy` starts it. */
export function localDriver(): Driver {
  const deployed = new Map<AppName, Deployed>()
  const seenDeadLetters = new Set<string>()
  let work = ''

  const need = (app: AppName) => {
    const found = deployed.get(app)
    if (!found) throw new Error(`the ${app} app is not deployed`)
    return found
  }

  /** Objects written to `results` since a time, by key, parsed as JSON. */
  const resultsSince = (app: Deployed, since: number) => {
    const root = join(statePaths(app.dir).buckets, 'results')
    const out: Record<string, unknown> = {}
    if (!existsSync(root)) return out
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue
      const file = join(entry.parentPath, entry.name)
      const key = relative(root, file).split('\\').join('/')
      // Content types live beside the objects, under .meta/.
      if (key.startsWith('.meta/') || statSync(file).mtimeMs < since) continue
      out[key] = JSON.parse(readFileSync(file, 'utf8'))
    }
    return out
  }

  const newDeadLetters = async (app: Deployed) => {
    const found = (await app.client.messages(deadLetterQueues[app.name])).filter(
      (m) => !seenDeadLetters.has(m.id),
    )
    for (const message of found) seenDeadLetters.add(message.id)
    return found.map((m) => m.body)
  }

  const logsSince = async (app: Deployed, since: number) => {
    // The local cloud writes its records within a tenth of a second.
    await new Promise((resolve) => setTimeout(resolve, 250))
    const lines: Observed['logs'][number][] = []
    for await (const event of readLogs(statePaths(app.dir), { since: new Date(since) }))
      if (event.kind === 'app')
        lines.push({
          level: event.level,
          message: event.message,
          ...(event.fields ? { fields: event.fields } : {}),
        })
    return lines
  }

  /** Waits for what the scenario expects to happen (or its time), then reports what did. */
  const settle = async (
    app: Deployed,
    scenario: Scenario,
    since: number,
    base: Omit<Observed, 'results' | 'deadLettered' | 'logs'>,
  ) => {
    const wantedKeys = Object.keys(scenario.expect.results ?? {})
    const wantedDead = scenario.expect.deadLettered?.length ?? 0
    const dead: string[] = []
    const done = await until(async () => {
      dead.push(...(await newDeadLetters(app)))
      const results = resultsSince(app, since)
      return wantedKeys.every((key) => key in results) && dead.length >= wantedDead
    }, 20_000)
    // Nothing expected of a trigger (or the wait ran out): give stray effects a moment to show.
    if (!done || (wantedKeys.length === 0 && scenario.input.kind !== 'http'))
      await new Promise((resolve) => setTimeout(resolve, 1500))
    // A topic's subscriptions run side by side: give one that should not get the message time to show it did.
    else if (scenario.area === 'topic') await new Promise((resolve) => setTimeout(resolve, 500))
    dead.push(...(await newDeadLetters(app)))
    // The timer also fires on its own schedule here: its writes belong to timer scenarios only.
    const results = Object.entries(resultsSince(app, since)).filter(
      ([key]) => scenario.area === 'timer' || !key.startsWith('timer/'),
    )
    return {
      ...base,
      results: Object.fromEntries(results),
      deadLettered: dead,
      logs: await logsSince(app, since),
    }
  }

  return {
    target: 'local',
    async start(apps) {
      work = freshWorkDir('local')
      for (const app of apps) {
        const dir = copyApp(work, app)
        const paths = statePaths(dir)
        mkdirSync(dirname(paths.apiKey), { recursive: true })
        writeFileSync(paths.apiKey, `${appKey}\n`)
        if (app === 'parity')
          xfnWithInput(conformanceSecret, 'secret', 'set', 'signing-key', '--project', dir)
        const status = JSON.parse(xfn('deploy', dir, '--port', '0', '--json')) as { url: string }
        deployed.set(app, { name: app, dir, url: status.url, client: new LocalCloudClient(dir) })
      }
    },
    async stop() {
      for (const app of deployed.values()) await app.client.destroy()
      rmSync(work, { recursive: true, force: true })
    },
    async run(scenario) {
      const app = need(scenario.app)
      const since = Date.now() - 5
      const { input } = scenario
      if (input.kind === 'publish') {
        const response = await fetch(`${app.url}/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ message: input.message, attributes: input.attributes }),
        })
        const base = {
          via: 'http',
          status: response.status,
          body: new Uint8Array(await response.arrayBuffer()),
        }
        return [await settle(app, scenario, since, base)]
      }
      if (input.kind === 'http') {
        const body = requestBody(input)
        const response = await fetch(`${app.url}${pathWithQuery(input)}`, {
          method: input.method,
          headers: requestHeaders(input),
          ...(body ? { body } : {}),
        })
        const headers: Record<string, string> = {}
        response.headers.forEach((value, name) => {
          if (name !== 'set-cookie') headers[name] = value
        })
        const base = {
          via: 'http',
          status: response.status,
          headers,
          cookies: response.headers.getSetCookie().map(normalCookie),
          body: new Uint8Array(await response.arrayBuffer()),
        }
        return [await settle(app, scenario, since, base)]
      }
      if (input.kind === 'queue') await app.client.send(input.queue ?? 'jobs', [...input.bodies])
      if (input.kind === 'timer') await app.client.invoke(input.function, '')
      if (input.kind === 'blob') {
        const file = join(statePaths(app.dir).buckets, 'uploads', input.key)
        mkdirSync(dirname(file), { recursive: true })
        writeFileSync(file, input.body)
        if (input.type === 'deleted') {
          await new Promise((resolve) => setTimeout(resolve, 500))
          rmSync(file)
        }
      }
      return [await settle(app, scenario, since, { via: input.kind })]
    },
  }
}
