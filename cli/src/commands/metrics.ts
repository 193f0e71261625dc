import { Flags } from '@oclif/core'
import { XfnError } from '@xfn/core'
import { cloudFlag, XfnCommand } from '../base-command.js'
import { findProject } from '../project.js'
import { metricsTable, terminalStyle } from '../report.js'
import { parseDuration, parseSince } from '../time.js'

export default class Metrics extends XfnCommand {
  static override summary = 'Show invocations, errors and latency of every function.'
  static override examples = ['<%= config.bin %> metrics', '<%= config.bin %> metrics --since 1h --json']
  static override enableJsonFlag = true
  static override flags = {
    cloud: cloudFlag,
    project: Flags.string({ description: 'folder of the app', default: '.' }),
    since: Flags.string({ description: 'from this long ago (15m, 2h, 1d) or this time (ISO)' }),
    period: Flags.string({ description: 'the length of each point of the sparkline (30s, 5m, 1h)' }),
    'no-color': Flags.boolean({ description: 'print without colours' }),
  }

  async run() {
    const { flags } = await this.parse(Metrics)
    if (flags.cloud !== 'local')
      throw new XfnError(
        'INVALID_OPTIONS',
        `Metrics from ${flags.cloud} are not available yet (tracked in issue #9).`,
      )
    const project = await findProject(flags.project)
    const { readMetrics, statePaths } = await import('@xfn/local')
    const metrics = await readMetrics(statePaths(project.dir), {
      since: flags.since ? parseSince(flags.since) : undefined,
      periodMs: flags.period ? parseDuration(flags.period, '--period') : undefined,
    })
    if (!this.jsonEnabled()) {
      if (metrics.length === 0) this.log('No invocations recorded yet.')
      else this.log(metricsTable(metrics, terminalStyle(flags['no-color'])))
    }
    return { cloud: 'local', functions: metrics }
  }
}
