import { existsSync } from 'node:fs'
import { Args, Flags } from '@oclif/core'
import { type LogLevel, logLevels, XfnError } from '@xfn/core'
import { cloudFlag, XfnCommand } from '../base-command.js'
import { findProject } from '../project.js'
import { formatEvent, terminalStyle } from '../report.js'
import { parseSince } from '../time.js'

export default class Logs extends XfnCommand {
  static override summary = 'Show and follow the logs of every function.'
  static override description =
    'Prints log events in time order, one per line with time, cloud, function, level and invocation: what handlers logged (ctx.log and console) and what the platform recorded (failures, timeouts, dead-lettering). The local cloud is served today; AWS and Azure come with their deployers.'
  static override examples = [
    '<%= config.bin %> logs --follow',
    '<%= config.bin %> logs fulfil --level warn --since 15m',
    '<%= config.bin %> logs --grep /order-\\d+/ --json',
  ]
  static override strict = false
  static override args = { functions: Args.string({ description: 'functions to show (all by default)' }) }
  static override flags = {
    cloud: cloudFlag,
    project: Flags.string({ description: 'folder of the app', default: '.' }),
    follow: Flags.boolean({ char: 'f', description: 'keep printing new events' }),
    level: Flags.string({ description: 'the lowest level shown', options: [...logLevels] }),
    since: Flags.string({ description: 'from this long ago (15m, 2h, 1d) or this time (ISO)' }),
    grep: Flags.string({ description: 'only events whose text contains this, or matches /regex/' }),
    invocation: Flags.string({ description: 'only this invocation' }),
    json: Flags.boolean({ description: 'one JSON event per line' }),
    'no-color': Flags.boolean({ description: 'print without colours' }),
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Logs)
    if (flags.cloud !== 'local')
      throw new XfnError(
        'INVALID_OPTIONS',
        `Logs from ${flags.cloud} are not available yet (tracked in issue #9).`,
      )
    const project = await findProject(flags.project)
    const { readLogs, statePaths } = await import('@xfn/local')
    const paths = statePaths(project.dir)
    if (!flags.follow && !existsSync(paths.logs)) {
      this.logToStderr(
        `No logs recorded for ${project.app} on the local cloud yet. Deploy it with 'xfn deploy --cloud local', or wait for logs with --follow.`,
      )
      return
    }
    const follow = flags.follow ? new AbortController() : undefined
    if (follow) process.once('SIGINT', () => follow.abort())
    const style = terminalStyle(flags['no-color'])
    const grep = flags.grep ? parseGrep(flags.grep) : undefined
    for await (const event of readLogs(paths, {
      functions: argv as string[],
      ...(flags.since ? { since: parseSince(flags.since) } : {}),
      ...(flags.level ? { minLevel: flags.level as LogLevel } : {}),
      ...(grep ? { grep } : {}),
      ...(flags.invocation ? { invocationId: flags.invocation } : {}),
      ...(follow ? { follow: follow.signal } : {}),
    })) {
      this.log(flags.json ? JSON.stringify(event) : formatEvent(event, style))
    }
  }
}

function parseGrep(text: string): string | RegExp {
  const regex = /^\/(.*)\/([a-z]*)$/.exec(text)
  if (!regex) return text
  try {
    return new RegExp(regex[1] ?? '', regex[2])
  } catch (error) {
    throw new XfnError(
      'INVALID_OPTIONS',
      `--grep: ${text} is not a valid regular expression: ${(error as Error).message}`,
    )
  }
}
