import { Flags } from '@oclif/core'
import { XfnError } from '@xfn/core'
import { cloudFlag, XfnCommand } from '../base-command.js'
import { findProject } from '../project.js'
import { parseSince } from './logs.js'

export default class Metrics extends XfnCommand {
  static override summary = 'Show invocations, errors and latency of every function.'
  static override examples = ['<%= config.bin %> metrics', '<%= config.bin %> metrics --since 1h --json']
  static override enableJsonFlag = true
  static override flags = {
    cloud: cloudFlag,
    project: Flags.string({ description: 'folder of the app', default: '.' }),
    since: Flags.string({ description: 'from this long ago (15m, 2h, 1d) or this time (ISO)' }),
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
    const metrics = await readMetrics(
      statePaths(project.dir),
      flags.since ? parseSince(flags.since) : undefined,
    )
    if (!this.jsonEnabled()) {
      if (metrics.length === 0) this.log('No invocations recorded yet.')
      else {
        this.log(
          `${'function'.padEnd(24)} ${'trigger'.padEnd(7)} ${'calls'.padStart(7)} ${'errors'.padStart(7)} ${'p50 ms'.padStart(9)} ${'p95 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`,
        )
        for (const m of metrics) {
          this.log(
            `${m.function.padEnd(24)} ${m.trigger.padEnd(7)} ${String(m.invocations).padStart(7)} ${String(m.errors).padStart(7)} ${m.p50Ms.toFixed(1).padStart(9)} ${m.p95Ms.toFixed(1).padStart(9)} ${m.p99Ms.toFixed(1).padStart(9)}`,
          )
        }
      }
    }
    return { cloud: 'local', functions: metrics }
  }
}
