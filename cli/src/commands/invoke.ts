import { Args, Flags } from '@oclif/core'
import type { LogEvent } from '@xfn/core'
import { XfnCommand } from '../base-command.js'
import { textOrFile } from '../data.js'
import { formatEvent, terminalStyle } from '../report.js'
import { settingsFor, targetFlag, targetFlags, targetNamed } from '../targets/registry.js'

export default class Invoke extends XfnCommand {
  static override summary = 'Call one function of the deployed app, and show its result and logs.'
  static override description =
    "An HTTP function is called through its URL (with the app's key when its route needs one); a queue function gets one message, a timer the tick of its latest scheduled time, and a blob function a created event for the key given in --data, each run once, directly, as its trigger would (a queue message sent this way is not retried: use 'xfn queue send' for the real path). Then the invocation's log lines are printed. On AWS every kind goes through Lambda's Invoke with the event its trigger sends (an HTTP API request with the app's key, an SQS record, a scheduled event, an S3 record), and the tail of its log is printed. On Azure an HTTP function is called through its URL, and any other through the host's admin endpoint with the master key, which runs it with --data as its input (a queue message, a blob path); its lines then show in xfn logs."
  static override examples = [
    '<%= config.bin %> invoke hello --path /hello/world',
    `<%= config.bin %> invoke createOrder --data '{"sku":"tea"}'`,
    '<%= config.bin %> invoke fulfil --data @order.json',
    '<%= config.bin %> invoke nightly',
    '<%= config.bin %> invoke fulfil --cloud aws --stage dev --data \'{"id":"1","sku":"tea"}\'',
    '<%= config.bin %> invoke nightly --cloud azure --stage dev',
  ]
  static override enableJsonFlag = true
  static override args = { function: Args.string({ description: 'the function to call', required: true }) }
  static override flags = {
    cloud: targetFlag,
    project: Flags.string({ description: 'folder of the app', default: '.' }),
    data: Flags.string({
      description: 'the request body or message: JSON or text, or @file to read it from a file',
    }),
    path: Flags.string({ description: 'http: the path to call, for routes with parameters' }),
    method: Flags.string({ description: 'http: the method (default: the first the function takes)' }),
    'no-color': Flags.boolean({ description: 'print without colours' }),
    ...targetFlags('invoke'),
  }

  async run() {
    const { args, flags } = await this.parse(Invoke)
    const project = await this.findProject(flags.project)
    const data = flags.data === undefined ? '' : textOrFile(flags.data, '--data')
    const target = await targetNamed(project, flags.cloud)
    const outcome = await target.invoke(this.host(project), settingsFor(target, flags), args.function, {
      data,
      path: flags.path,
      method: flags.method,
    })
    // A target that gathers the invocation's log events returns them; they print as `xfn logs` does.
    if (Array.isArray(outcome.logs) && !this.jsonEnabled()) {
      const style = terminalStyle(flags['no-color'])
      const events = outcome.logs as LogEvent[]
      this.log(
        events.length === 0
          ? style.dim('(no log lines)')
          : events.map((e) => formatEvent(e, style)).join('\n'),
      )
    }
    if (outcome.error || outcome.ok === false) process.exitCode = 1
    return outcome
  }
}
