import { type FSWatcher, watch } from 'node:fs'
import { dirname } from 'node:path'
import { Args, Flags } from '@oclif/core'
import { XfnError } from '@xfn/core'
import { describeDeployment, localDeployment } from '@xfn/local/target'
import { XfnCommand } from '../base-command.js'
import type { Project } from '../project.js'

/** Saving a file makes several events; a reload waits for them to settle. */
const settleMs = 40

/** Changes under these folders are not the app's sources. */
const ignored = /(^|[/\\])(\.xfn|node_modules|\.git|dist)([/\\]|$)/

export default class Dev extends XfnCommand {
  static override summary = 'Run the app on the local cloud in the foreground, reloading on change.'
  static override description =
    'Serves the app as `xfn deploy --cloud local` does, in this terminal, and rebuilds and reloads it when a source file changes. Queued messages are kept across reloads; a build that fails leaves the last good one running. Ctrl-C stops it.'
  static override examples = ['<%= config.bin %> dev', '<%= config.bin %> dev examples/orders --port 8080']
  static override args = { project: Args.string({ description: 'folder of the app', default: '.' }) }
  static override flags = {
    entry: Flags.string({ description: 'entry module, relative to the app folder (default: src/index.ts)' }),
    port: Flags.integer({ description: 'the port to listen on (default 4747; 0 for any free port)' }),
    console: Flags.boolean({ description: 'also serve the web console (xfn console) and print its URL' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Dev)
    const project = await this.findProject(args.project, flags.entry)
    const { LocalCloud, LocalCloudClient, defaultPort } = await import('@xfn/local')
    const client = new LocalCloudClient(project.dir)
    const background = client.running()
    if (background) {
      throw new XfnError(
        'INVALID_OPTIONS',
        `The local cloud of ${project.app} already runs in the background (pid ${background.pid}). Stop it with '${this.commandLine('destroy', '--yes')}', or keep using '${this.commandLine('deploy')}'.`,
      )
    }
    const deployBuild = async (verifyStable: boolean) =>
      client.prepare(await localDeployment(this.host(project), { verifyStable }))
    const { apiKey } = await deployBuild(true)
    const cloud = new LocalCloud({ projectDir: project.dir, port: flags.port ?? defaultPort })
    await cloud.start()
    const watcher = this.#watch(project, async () => {
      const started = performance.now()
      try {
        const { deployment } = await deployBuild(false)
        await cloud.deploy(deployment)
        this.log(`Reloaded in ${Math.round(performance.now() - started)} ms`)
      } catch (error) {
        this.logToStderr(
          `Reload failed; the previous build keeps running.\n${error instanceof Error ? error.message : String(error)}`,
        )
      }
    })
    // The watch starts before this says it serves, so a change saved right after is not missed.
    this.log(`Serving ${project.app} on the local cloud (Ctrl-C to stop)`)
    this.log(describeDeployment(cloud.status(), project.dir, apiKey))
    const console = flags.console ? await this.#console(project) : undefined
    if (console) this.log(`Console: ${console.url}`)
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve())
    })
    await console?.close()
    watcher.close()
    await cloud.stop()
    // Node 20's recursive watch on Linux can leave inner watchers open after close().
    process.exit(0)
  }

  /** The web console of the local cloud this command runs (loaded only when asked for). */
  async #console(project: Project) {
    const { startLocalConsole } = await import('../console/server.js')
    return startLocalConsole(project, this.host(project))
  }

  /** Calls `reload` once per burst of changes to the app's sources, never two at a time. */
  #watch(project: Project, reload: () => Promise<void>): FSWatcher {
    let timer: NodeJS.Timeout | undefined
    let running: Promise<void> | undefined
    let again = false
    const run = () => {
      if (running) {
        again = true
        return
      }
      running = reload().finally(() => {
        running = undefined
        if (again) {
          again = false
          run()
        }
      })
    }
    // The entry's folder holds the sources (src/ by default); watching the whole project would
    // also watch node_modules, which Node 20 does folder by folder on Linux.
    const folder = dirname(project.entry)
    const watcher = watch(folder, { recursive: folder !== project.dir }, (_event, name) => {
      if (!name || ignored.test(name)) return
      clearTimeout(timer)
      timer = setTimeout(run, settleMs)
    })
    watcher.on('error', (error) => this.logToStderr(`Watching ${folder} failed: ${error.message}`))
    watcher.on('close', () => clearTimeout(timer))
    return watcher
  }
}
