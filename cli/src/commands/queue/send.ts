import { Args, Flags } from '@oclif/core'
import { XfnCommand } from '../../base-command.js'
import { textOrFile } from '../../data.js'

export default class QueueSend extends XfnCommand {
  static override summary = 'Send a message to a queue of the local cloud.'
  static override examples = [
    `<%= config.bin %> queue send orders '{"sku":"tea"}'`,
    '<%= config.bin %> queue send orders @order.json',
  ]
  static override enableJsonFlag = true
  static override args = {
    queue: Args.string({ description: 'the queue', required: true }),
    message: Args.string({
      description: 'the message text (JSON is sent as it is), or @file to read it from a file',
      required: true,
    }),
  }
  static override flags = { project: Flags.string({ description: 'folder of the app', default: '.' }) }

  async run() {
    const { args, flags } = await this.parse(QueueSend)
    const { LocalCloudClient } = await import('@xfn/local')
    const message = textOrFile(args.message, 'message')
    const ids = await new LocalCloudClient((await this.findProject(flags.project)).dir).send(args.queue, [
      message,
    ])
    if (!this.jsonEnabled()) this.log(`Sent ${ids[0]} to ${args.queue}.`)
    return { ids }
  }
}
