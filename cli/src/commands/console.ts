import { Args, Flags } from '@oclif/core'
import { XfnCommand } from '../base-command.js'
import { settingsFor, targetFlag, targetFlags, targetNamed } from '../targets/registry.js'

export default class Console extends XfnCommand {
  static override summary =
    'Open a web console of the app: functions, invocations and logs, queues, buckets, timers.'
  static override description =
    'Serves the console on 127.0.0.1 and prints its URL, which carries a random token every request needs. Functions with their triggers and the last hour of calls, errors and p95 (as xfn metrics reads them); the live log stream (as xfn logs --follow), filterable; invoking a function. On the local cloud also its queues (depth, dead letters, re-drive, send), its buckets (browse, upload, download, delete) and its timers (next fire times, run now). It runs until interrupted (Ctrl-C).'
  static override examples = [
    '<%= config.bin %> console',
    '<%= config.bin %> console --cloud aws --stage prod',
  ]
  static override args = { project: Args.string({ description: 'folder of the app', default: '.' }) }
  static override flags = {
    cloud: targetFlag,
    port: Flags.integer({ description: 'the port on 127.0.0.1 (default: any free one)' }),
    ...targetFlags('console'),
  }

  async run() {
    const { args, flags } = await this.parse(Console)
    const project = await this.findProject(args.project)
    const target = await targetNamed(project, flags.cloud)
    const { startConsole } = await import('../console/server.js')
    const running = await startConsole({
      target,
      settings: settingsFor(target, flags),
      host: this.host(project),
      ...(flags.port === undefined ? {} : { port: flags.port }),
    })
    this.log(`The console of ${project.app} on ${target.name}: ${running.url}`)
    this.log('Open it in a browser on this machine; Ctrl-C stops it.')
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await running.close()
  }
}
