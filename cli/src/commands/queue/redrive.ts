import { Args, Flags } from '@oclif/core'
import { XfnCommand } from '../../base-command.js'

export default class QueueRedrive extends XfnCommand {
  static override summary =
    "Move every message of a queue's dead-letter queue back to the queue, with fresh attempts."
  static override description =
    'A topic subscription has a queue of its own, named <topic>.<function>: re-driving it gives its messages back to that function alone.'
  static override examples = [
    '<%= config.bin %> queue redrive orders',
    '<%= config.bin %> queue redrive order-placed.email',
  ]
  static override enableJsonFlag = true
  static override args = {
    queue: Args.string({
      description: "the queue to re-drive into (a topic subscription's: <topic>.<function>)",
      required: true,
    }),
  }
  static override flags = { project: Flags.string({ description: 'folder of the app', default: '.' }) }

  async run() {
    const { args, flags } = await this.parse(QueueRedrive)
    const { LocalCloudClient } = await import('@xfn/local')
    const moved = await new LocalCloudClient((await this.findProject(flags.project)).dir).redrive(args.queue)
    if (!this.jsonEnabled())
      this.log(`Moved ${moved} message${moved === 1 ? '' : 's'} back to ${args.queue}.`)
    return { moved }
  }
}
