import { Args, Flags } from '@oclif/core'
import { XfnCommand } from '../../base-command.js'

export default class QueueDlq extends XfnCommand {
  static override summary = "List the messages in a queue's dead-letter queue on the local cloud."
  static override description =
    'A topic subscription has a queue of its own, named <topic>.<function>: `xfn queue dlq order-placed.email` lists the messages the function `email` gave up on.'
  static override examples = [
    '<%= config.bin %> queue dlq orders',
    '<%= config.bin %> queue dlq order-placed.email',
  ]
  static override enableJsonFlag = true
  static override args = {
    queue: Args.string({
      description: "the queue whose dead letters to show (a topic subscription's: <topic>.<function>)",
      required: true,
    }),
  }
  static override flags = { project: Flags.string({ description: 'folder of the app', default: '.' }) }

  async run() {
    const { args, flags } = await this.parse(QueueDlq)
    const { LocalCloudClient, deadLetterName } = await import('@xfn/local')
    const messages = await new LocalCloudClient((await this.findProject(flags.project)).dir).messages(
      deadLetterName(args.queue),
    )
    if (!this.jsonEnabled()) {
      if (messages.length === 0) this.log(`No dead letters in ${deadLetterName(args.queue)}.`)
      for (const m of messages) this.log(`${m.enqueuedAt}  ${m.id}  attempts ${m.attempt}  ${m.body}`)
    }
    return { queue: deadLetterName(args.queue), messages }
  }
}
