import { Args, Flags } from '@oclif/core'
import { XfnError } from '@xfn/core'
import { cloudFlag, XfnCommand } from '../base-command.js'
import { findProject } from '../project.js'

export default class Destroy extends XfnCommand {
  static override summary = 'Remove everything xfn deployed for the app.'
  static override description =
    'On the local cloud: stops the cloud process and deletes .xfn/local/, with the queued messages, the buckets, the logs and the key. Asks first unless --yes is given; without a terminal to ask, --yes is required.'
  static override examples = ['<%= config.bin %> destroy --yes']
  static override enableJsonFlag = true
  static override args = { project: Args.string({ description: 'folder of the app', default: '.' }) }
  static override flags = {
    cloud: cloudFlag,
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
  }

  async run() {
    const { args, flags } = await this.parse(Destroy)
    if (flags.cloud !== 'local')
      throw new XfnError(
        'INVALID_OPTIONS',
        `Destroy on ${flags.cloud} is not available yet (tracked in issue #${flags.cloud === 'aws' ? 7 : 8}).`,
      )
    const project = findProject(args.project)
    if (!flags.yes) {
      if (!process.stdin.isTTY)
        throw new XfnError(
          'INVALID_OPTIONS',
          'destroy deletes the local queues, buckets and logs; pass --yes to confirm.',
        )
      const { createInterface } = await import('node:readline/promises')
      const prompt = createInterface({ input: process.stdin, output: process.stdout })
      const answer = await prompt.question(
        `Delete the local cloud of ${project.app} with its queues, buckets and logs? (y/N) `,
      )
      prompt.close()
      if (!/^y(es)?$/i.test(answer.trim())) return { destroyed: false }
    }
    const { LocalCloudClient } = await import('@xfn/local')
    const result = await new LocalCloudClient(project.dir).destroy()
    if (!this.jsonEnabled())
      this.log(
        result.stopped
          ? 'Stopped the local cloud and removed its state.'
          : 'Removed the local state (no cloud was running).',
      )
    return { destroyed: true, ...result }
  }
}
