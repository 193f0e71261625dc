import { Args, Flags } from '@oclif/core'
import { type LogEvent, type LogLevel, logLevels, XfnError } from '@xfn/core'
import { XfnCommand } from '../base-command.js'
import { eachTarget, mergeInTimeOrder, observeFlags } from '../observe.js'
import { formatEvent, terminalStyle } from '../report.js'
import { settingsFor, targetsNamed } from '../targets/registry.js'
import { parseSince } from '../time.js'

export default class Logs extends XfnCommand {
  static override summary = 'Show and follow the logs of every function.'
  static override description =
    "Prints log events in time order, one per line with time, cloud, function, level and invocation: what handlers logged (ctx.log and console) and what the platform recorded (start, end, report with duration, memory and cold starts; failures, timeouts, dead-lettering). Several clouds at once are merged in time order. On AWS, history comes from FilterLogEvents over each function's log group (the last 15 minutes unless --since), and --follow uses CloudWatch Live Tail, or polling where Live Tail is denied. On Azure, history comes from Application Insights (KQL over the app's traces, requests and exceptions in its Log Analytics workspace), and --follow polls every 10 s, since ingestion takes 20 s to a few minutes. With several clouds, one that cannot be read is named and the others go on."
  static override examples = [
    '<%= config.bin %> logs --follow',
    '<%= config.bin %> logs fulfil --level warn --since 15m',
    '<%= config.bin %> logs --grep /order-\\d+/ --json',
    '<%= config.bin %> logs --cloud local,aws --stage dev --follow',
    '<%= config.bin %> logs --cloud all --since 1h',
  ]
  static override strict = false
  static override args = { functions: Args.string({ description: 'functions to show (all by default)' }) }
  static override flags = {
    ...observeFlags('logs'),
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
    const project = await this.findProject(flags.project)
    const notice = (line: string) => this.logToStderr(line)
    const asked = await targetsNamed(project, flags.cloud)
    const host = this.host(project)
    const follow = flags.follow ? new AbortController() : undefined
    if (follow) process.once('SIGINT', () => follow.abort())
    const style = terminalStyle(flags['no-color'])
    const query = {
      functions: argv as string[],
      since: flags.since ? parseSince(flags.since) : undefined,
      minLevel: flags.level as LogLevel | undefined,
      grep: flags.grep ? parseGrep(flags.grep) : undefined,
      invocationId: flags.invocation,
      follow: follow?.signal,
    }
    const opened = await eachTarget(
      asked,
      (target) => target.logs(host, settingsFor(target, flags), query),
      notice,
    )
    const clouds = opened.map((o) => o.target.name)
    const streams = opened.map((o) => o.value)
    if (follow && clouds.length > 1)
      notice(
        `Following ${clouds.join(' and ')}: each line waits ${mergeWindowMs / 1000} s, so lines from every cloud come in time order.`,
      )
    for await (const event of clouds.length === 1
      ? (streams[0] as AsyncIterable<LogEvent>)
      : mergeInTimeOrder(streams, follow ? mergeWindowMs : 0)) {
      this.log(flags.json ? JSON.stringify(event) : formatEvent(event, style))
    }
  }
}

/** How long a followed line waits for earlier lines of other clouds. */
const mergeWindowMs = 2000

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
