import { Args, Flags } from '@oclif/core'
import type { PortabilityReport } from '@xfn/core/portability'
import { XfnCommand } from '../base-command.js'
import { exitCodes } from '../exit-codes.js'
import { loadManifest } from '../load-app.js'
import { formatReport, terminalStyle } from '../report.js'
import { checkTargets } from '../targets/check.js'
import { targetsNamed } from '../targets/registry.js'

export default class Check extends XfnCommand {
  static override summary = 'Load an app, validate it, and report what runs on each cloud.'
  static override description =
    'Bundles the app, records its functions and resources without running any handler, and checks every one against the rules of each cloud: schedules that EventBridge or NCRONTAB cannot express, queue settings an Azure Function App shares, S3 notification overlaps, and more. Exits 1 when the app cannot run on a cloud you asked about.'
  static override examples = [
    '<%= config.bin %> check',
    '<%= config.bin %> check examples/orders --cloud aws,azure',
    '<%= config.bin %> check --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    project: Args.string({ description: 'folder of the app', default: '.' }),
  }
  static override flags = {
    cloud: Flags.string({
      description: 'the clouds to check, comma-separated (every target the app has by default)',
      default: 'all',
    }),
    entry: Flags.string({ description: 'entry module, relative to the app folder (default: src/index.ts)' }),
    'no-color': Flags.boolean({ description: 'print without colours' }),
  }

  async run(): Promise<PortabilityReport> {
    const { args, flags } = await this.parse(Check)
    const project = await this.findProject(args.project, flags.entry)
    const targets = await targetsNamed(project, flags.cloud)
    const report = checkTargets(project, await loadManifest(project), targets)
    if (!this.jsonEnabled()) {
      this.log(formatReport(report, terminalStyle(flags['no-color'])))
      const settings = await settingsLine(project.config)
      if (settings) this.log(settings)
    }
    if (report.portableTo.length < report.clouds.length) process.exitCode = exitCodes.problemsFound
    return report
  }
}

/**
 * The size of the app's settings in each stage xfn.config.ts names (and its default stage),
 * against the 4 KB Lambda takes for a function's whole environment.
 */
async function settingsLine(config: object): Promise<string | undefined> {
  const { env, stages, stage } = config as { env?: object; stages?: object; stage?: string }
  if (!env && !stages) return undefined
  const { environmentBytes, environmentLimitBytes, settingsOf } = await import('@xfn/core')
  const names = [...new Set([stage ?? 'dev', ...Object.keys(stages ?? {})])]
  const sizes = names.map((name) => `${name} ${environmentBytes(settingsOf(config, name))} bytes`)
  return `Settings (env): ${sizes.join(', ')}, of the ${environmentLimitBytes} bytes Lambda takes for a function's environment with xfn's own.`
}
