// A target used only by tests: an "in-memory cloud" kept in .xfn/memory/ of the app. A deploy
// records the app's module build; each invocation loads it in the command's process and runs the
// function with xfn's test harness, recording its log lines and duration. It is registered through
// xfn.config.ts (targets: [...]) alone, so the CLI runs it without knowing it: the proof that a new
// target needs no change under cli/src/commands.
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { matchesLogQuery, XfnError } from '@xfn/core'

const stateFile = (host) => join(host.project.dir, '.xfn', 'memory', 'state.json')

function read(host) {
  const file = stateFile(host)
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined
}

function write(host, state) {
  mkdirSync(join(host.project.dir, '.xfn', 'memory'), { recursive: true })
  writeFileSync(stateFile(host), JSON.stringify(state, null, 2))
}

function deployed(host) {
  const state = read(host)
  if (!state)
    throw new XfnError(
      'INVALID_OPTIONS',
      `${host.project.app} is not deployed to memory. Deploy it with: ${host.commandLine('deploy', '--cloud', 'memory')}`,
    )
  return state
}

/** @type {import('@xfn/core').Target} */
const memory = {
  name: 'memory',
  description: 'an in-memory cloud, for tests',
  settings: {},

  // The memory cloud watches no buckets, so it cannot run blob functions.
  check(manifest) {
    return manifest.functions
      .filter((fn) => fn.trigger.type === 'blob')
      .map((fn) => ({
        subject: `function '${fn.name}'`,
        severity: 'error',
        message: 'memory watches no buckets, so it runs no blob functions',
      }))
  },

  async deploy(host, _settings, { dryRun }) {
    if (dryRun) throw new XfnError('INVALID_OPTIONS', 'memory has no dry run')
    const { dir, build } = await host.build('local')
    const artifact = build.artifacts[0]
    const previous = read(host)
    write(host, {
      module: join(dir, artifact.path),
      sha256: artifact.sha256,
      functions: build.manifest.functions.map((fn) => ({ name: fn.name, trigger: fn.trigger.type })),
      deployedAt: new Date().toISOString(),
      log: previous?.log ?? [],
      calls: previous?.calls ?? [],
    })
    host.log(`Deployed ${host.project.app} to memory: ${build.manifest.functions.length} function(s).`)
    return { functions: build.manifest.functions.map((fn) => fn.name), sha256: artifact.sha256 }
  },

  async destroy(host) {
    if (!read(host)) {
      host.log(`Nothing of ${host.project.app} is in memory.`)
      return { destroyed: false }
    }
    if (!(await host.confirm(`Forget ${host.project.app} in memory?`))) return { destroyed: false }
    rmSync(join(host.project.dir, '.xfn', 'memory'), { recursive: true, force: true })
    host.log(`Destroyed ${host.project.app} in memory.`)
    return { destroyed: true }
  },

  async status(host) {
    const state = read(host)
    if (!state) {
      host.log(`Nothing of ${host.project.app} is in memory.`)
      return { deployed: false }
    }
    host.log(`${host.project.app} in memory, deployed ${state.deployedAt}:`)
    for (const fn of state.functions) host.log(`  ${fn.name} (${fn.trigger})`)
    return { deployed: true, functions: state.functions, sha256: state.sha256 }
  },

  async invoke(host, _settings, functionName, request) {
    const state = deployed(host)
    const fn = state.functions.find((f) => f.name === functionName)
    if (!fn)
      throw new XfnError(
        'UNKNOWN_FUNCTION',
        `There is no function '${functionName}' in memory (it has: ${state.functions.map((f) => f.name).join(', ')}).`,
      )
    await import(pathToFileURL(state.module).href)
    const { createTestHarness } = await import('@xfn/core/testing')
    const harness = createTestHarness()
    const started = performance.now()
    let outcome
    try {
      if (fn.trigger === 'http') {
        const response = await harness.fetch(request.path ?? '/', {
          method: request.method ?? 'GET',
          ...(request.data ? { body: request.data } : {}),
        })
        outcome = { status: response.status, body: await response.text() }
        host.log(`${request.method ?? 'GET'} ${request.path ?? '/'} → ${outcome.status}\n${outcome.body}`)
      } else {
        if (fn.trigger === 'queue') await harness.queue(fn.name, request.data)
        if (fn.trigger === 'timer') await harness.timer(fn.name)
        if (fn.trigger === 'blob') await harness.blob(fn.name, { key: request.data })
        outcome = { ok: true }
        host.log(`${fn.name}: done`)
      }
    } catch (error) {
      outcome = { ok: false, error: error instanceof Error ? error.message : String(error) }
      host.log(`${fn.name}: failed: ${outcome.error}`)
    }
    const events = harness.logs.map((record) => ({ ...record, cloud: 'memory', kind: 'app' }))
    const invocationId = events[0]?.invocationId ?? randomUUID()
    state.log.push(...events)
    state.calls.push({
      function: fn.name,
      trigger: fn.trigger,
      ms: performance.now() - started,
      failed: outcome.ok === false || (outcome.status ?? 200) >= 500,
    })
    write(host, state)
    return { function: fn.name, trigger: fn.trigger, invocationId, ...outcome, logs: events }
  },

  async logs(host, _settings, query) {
    const events = deployed(host).log.filter((event) => matchesLogQuery(event, query))
    return (async function* () {
      yield* events
    })()
  },

  async metrics(host) {
    const state = deployed(host)
    return state.functions.map((fn) => {
      const calls = state.calls.filter((c) => c.function === fn.name)
      const sorted = calls.map((c) => c.ms).sort((a, b) => a - b)
      const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
      return {
        function: fn.name,
        trigger: fn.trigger,
        invocations: calls.length,
        errors: calls.filter((c) => c.failed).length,
        timeouts: 0,
        p50Ms: at(0.5),
        p95Ms: at(0.95),
        p99Ms: at(0.99),
        maxMs: sorted.at(-1) ?? 0,
        series: [calls.length],
      }
    })
  },
}

export default memory
