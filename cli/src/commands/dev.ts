import { watch } from 'node:fs'
import { Args, Flags } from '@oclif/core'
import { XfnError } from '@xfn/core'
import { XfnCommand } from '../base-command.js'
import { buildApp } from '../build/index.js'
import { describeDeployment } from '../local.js'
import { findProject, type Project } from '../project.js'

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
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Dev)
    const project = findProject(args.project, flags.entry)
    const { LocalCloud, LocalCloudClient, defaultPort } = await import('@xfn/local')
    const client = new LocalCloudClient(project.dir)
    const background = client.running()
    if (background) {
      throw new XfnError(
        'INVALID_OPTIONS',
        `The local cloud of ${project.app} already runs in the background (pid ${background.pid}). Stop it with 'xfn destroy --cloud local', or keep using 'xfn deploy --cloud local'.`,
      )
    }
    const deployBuild = async () => {
      const { build } = await buildApp(project, 'local')
      const artifact = build.artifacts[0]
      if (!artifact) throw new XfnError('INTERNAL', 'The local build wrote no module.')
      return client.prepare({
        app: project.app,
        module: `${project.dir}/.xfn/build/local/${artifact.path}`,
        sha256: artifact.sha256,
      })
    }
    const { apiKey } = await deployBuild()
    const cloud = new LocalCloud({ projectDir: project.dir, port: flags.port ?? defaultPort })
    await cloud.start()
    this.log(`Serving ${project.app} on the local cloud (Ctrl-C to stop)`)
    this.log(describeDeployment(cloud.status(), project.dir, apiKey))
    this.#watch(project, async () => {
      const started = performance.now()
      try {
        const { deployment } = await deployBuild()
        await cloud.deploy(deployment)
        this.log(`Reloaded in ${Math.round(performance.now() - started)} ms`)
      } catch (error) {
        this.logToStderr(
          `Reload failed; the previous build keeps running.\n${error instanceof Error ? error.message : String(error)}`,
        )
      }
    })
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve())
    })
    await cloud.stop()
  }

  /** Calls `reload` once per burst of changes to the app's sources, never two at a time. */
  #watch(project: Project, reload: () => Promise<void>): void {
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
    watch(project.dir, { recursive: true }, (_event, name) => {
      if (!name || ignored.test(name)) return
      clearTimeout(timer)
      timer = setTimeout(run, 75)
    })
  }
}
