import { Args, Flags } from '@oclif/core'
import type { LogEvent } from '@xfn/core'
import { XfnError } from '@xfn/core'
import { awsFlags, invokeOnAws } from '../aws.js'
import { azureFlags, invokeOnAzure } from '../azure.js'
import { cloudFlag, XfnCommand } from '../base-command.js'
import { textOrFile } from '../data.js'
import { formatEvent, terminalStyle } from '../report.js'

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
    cloud: cloudFlag,
    project: Flags.string({ description: 'folder of the app', default: '.' }),
    data: Flags.string({
      description: 'the request body or message: JSON or text, or @file to read it from a file',
    }),
    path: Flags.string({ description: 'http: the path to call, for routes with parameters' }),
    method: Flags.string({ description: 'http: the method (default: the first the function takes)' }),
    'no-color': Flags.boolean({ description: 'print without colours' }),
    ...awsFlags,
    ...azureFlags,
  }

  async run() {
    const { args, flags } = await this.parse(Invoke)
    const project = await this.findProject(flags.project)
    const data = flags.data === undefined ? '' : textOrFile(flags.data, '--data')
    if (flags.cloud === 'aws' || flags.cloud === 'azure') {
      const invoke = flags.cloud === 'aws' ? invokeOnAws : invokeOnAzure
      const outcome = await invoke(
        project,
        flags,
        args.function,
        { data, path: flags.path, method: flags.method },
        (line) => {
          if (!this.jsonEnabled()) this.log(line)
        },
      )
      if (outcome.error) process.exitCode = 1
      return outcome
    }
    const { LocalCloudClient, readLogs, statePaths } = await import('@xfn/local')
    const client = new LocalCloudClient(project.dir)
    const status = await client.status()
    if (!status)
      throw new XfnError(
        'INVALID_OPTIONS',
        `The local cloud of ${project.app} is not running. Start it with: ${this.commandLine('deploy')}`,
      )
    const fn = status.functions.find((f) => f.name === args.function)
    if (!fn)
      throw new XfnError(
        'UNKNOWN_FUNCTION',
        `There is no function '${args.function}' in the deployed app (it has: ${status.functions.map((f) => f.name).join(', ')}).`,
      )
    const started = new Date()
    let outcome: Record<string, unknown>
    let logQuery: { invocationId?: string; functions?: string[] }
    if (fn.trigger === 'http') {
      const template = (fn.endpoint ?? status.url).slice(status.url.length) || '/'
      const path = flags.path ?? template
      if (/[{}]/.test(path))
        throw new XfnError(
          'INVALID_OPTIONS',
          `The route of '${fn.name}' is ${template}: pass the path to call, such as --path ${template.replace(/\{\*?([^}]+)\}/g, '<$1>')}.`,
        )
      const method = (flags.method ?? fn.methods?.[0] ?? 'GET').toUpperCase()
      const headers: Record<string, string> = {}
      if (data) headers['content-type'] = /^\s*[[{"]/.test(data) ? 'application/json' : 'text/plain'
      if (fn.auth === 'key') headers['x-api-key'] = client.apiKey()
      const response = await fetch(new URL(path, status.url), {
        method,
        headers,
        ...(data && method !== 'GET' && method !== 'HEAD' ? { body: data } : {}),
      })
      const body = await response.text()
      outcome = { status: response.status, headers: Object.fromEntries(response.headers), body }
      logQuery = { functions: [fn.name] }
      if (!this.jsonEnabled()) this.log(`${method} ${path} → ${response.status}\n${body}`)
    } else {
      const result = await client.invoke(fn.name, data)
      outcome = result
      logQuery = { invocationId: result.invocationId }
      if (!this.jsonEnabled())
        this.log(
          result.ok
            ? `${fn.name}: done (invocation ${result.invocationId})`
            : `${fn.name}: failed: ${result.error}`,
        )
    }
    // The local cloud writes its records within a tenth of a second.
    await new Promise((resolve) => setTimeout(resolve, 250))
    const logs: LogEvent[] = []
    for await (const event of readLogs(statePaths(project.dir), { ...logQuery, since: started }))
      logs.push(event)
    if (!this.jsonEnabled()) {
      const style = terminalStyle(flags['no-color'])
      this.log(
        logs.length === 0 ? style.dim('(no log lines)') : logs.map((e) => formatEvent(e, style)).join('\n'),
      )
    }
    if (outcome.ok === false) process.exitCode = 1
    return { function: fn.name, trigger: fn.trigger, ...outcome, logs }
  }
}
