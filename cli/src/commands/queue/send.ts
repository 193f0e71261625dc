import { Args, Flags } from '@oclif/core'
import { XfnCommand } from '../../base-command.js'

export default class QueueSend extends XfnCommand {
  static override summary = 'Send a message to a queue of the local cloud.'
  static override examples = [`<%= config.bin %> queue send orders '{"sku":"tea"}'`]
  static override enableJsonFlag = true
  static override args = {
    queue: Args.string({ description: 'the queue', required: true }),
    message: Args.string({ description: 'the message text (JSON is sent as it is)', required: true }),
  }
  static override flags = { project: Flags.string({ description: 'folder of the app', default: '.' }) }

  async run() {
    const { args, flags } = await this.parse(QueueSend)
    const { LocalCloudClient } = await import('@xfn/local')
    const ids = await new LocalCloudClient((await this.findProject(flags.project)).dir).send(args.queue, [
      args.message,
    ])
    if (!this.jsonEnabled()) this.log(`Sent ${ids[0]} to ${args.queue}.`)
    return { ids }
  }
}
