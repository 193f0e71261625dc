import { Flags } from '@oclif/core'
import { XfnCommand } from '../base-command.js'
import { eachTarget, observeFlags } from '../observe.js'
import { metricsTable, terminalStyle } from '../report.js'
import { settingsFor, targetsNamed } from '../targets/registry.js'
import { parseDuration, parseSince } from '../time.js'

export default class Metrics extends XfnCommand {
  static override summary = 'Show invocations, errors and latency of every function.'
  static override description =
    'Per function and cloud: invocations, errors and their share, p50/p95/p99 duration, and a sparkline of calls over the window. On AWS from CloudWatch (AWS/Lambda: Invocations, Errors, Throttles, Duration percentiles); on Azure from Application Insights (the requests of the app: count, failures, timeouts, duration percentiles). Several clouds are shown one after the other; with several, one that cannot be read is named and the others are shown.'
  static override examples = [
    '<%= config.bin %> metrics',
    '<%= config.bin %> metrics --since 1h --json',
    '<%= config.bin %> metrics --cloud local,aws --since 6h --period 15m',
    '<%= config.bin %> metrics --cloud azure --stage prod --since 1d',
  ]
  static override enableJsonFlag = true
  static override flags = {
    ...observeFlags('metrics'),
    project: Flags.string({ description: 'folder of the app', default: '.' }),
    since: Flags.string({ description: 'from this long ago (15m, 2h, 1d) or this time (ISO)' }),
    period: Flags.string({ description: 'the length of each point of the sparkline (30s, 5m, 1h)' }),
    'no-color': Flags.boolean({ description: 'print without colours' }),
  }

  async run() {
    const { flags } = await this.parse(Metrics)
    const project = await this.findProject(flags.project)
    const asked = await targetsNamed(project, flags.cloud)
    const window = {
      since: flags.since ? parseSince(flags.since) : undefined,
      periodMs: flags.period ? parseDuration(flags.period, '--period') : undefined,
    }
    const notice = (line: string) => this.logToStderr(line)
    const host = this.host(project)
    const byCloud = (
      await eachTarget(asked, (target) => target.metrics(host, settingsFor(target, flags), window), notice)
    ).map(({ target, value }) => ({ cloud: target.name, functions: value }))
    const clouds = byCloud.map((c) => c.cloud)
    if (!this.jsonEnabled()) {
      const style = terminalStyle(flags['no-color'])
      for (const { cloud, functions } of byCloud) {
        if (clouds.length > 1) this.log(style.bold(`\n${cloud}`))
        this.log(functions.length === 0 ? 'No invocations recorded yet.' : metricsTable(functions, style))
      }
    }
    return clouds.length === 1 ? byCloud[0] : { clouds: byCloud }
  }
}
