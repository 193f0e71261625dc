import { Args, Flags } from '@oclif/core'
import { XfnError } from '@xfn/core'
import { awsFlags, destroyOnAws } from '../aws.js'
import { azureFlags, destroyOnAzure } from '../azure.js'
import { cloudFlag, XfnCommand } from '../base-command.js'

export default class Destroy extends XfnCommand {
  static override summary = 'Remove everything xfn deployed for the app.'
  static override description =
    'On the local cloud: stops the cloud process and deletes .xfn/local/, with the queued messages, the buckets, the logs and the key. On AWS: deletes every resource xfn made for the app and stage (found by name and tags), with the objects in its buckets, and nothing else. On Azure: deletes the resource group xfn made for the app and stage, or, in a resource group given with --resource-group, only the resources xfn tagged as its own. Asks first unless --yes is given; without a terminal to ask, --yes is required.'
  static override examples = [
    '<%= config.bin %> destroy --yes',
    '<%= config.bin %> destroy --keep-data --yes',
    '<%= config.bin %> destroy --cloud aws --stage dev --region eu-west-1',
    '<%= config.bin %> destroy --cloud azure --stage dev --yes',
  ]
  static override enableJsonFlag = true
  static override args = { project: Args.string({ description: 'folder of the app', default: '.' }) }
  static override flags = {
    cloud: cloudFlag,
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
    'keep-data': Flags.boolean({
      description:
        'local cloud only: stop it but keep its queued messages, buckets, logs and key; the next deploy starts from them',
    }),
    ...awsFlags,
    ...azureFlags,
  }

  async run() {
    const { args, flags } = await this.parse(Destroy)
    const project = await this.findProject(args.project)
    const log = (line: string) => {
      if (!this.jsonEnabled()) this.log(line)
    }
    if (flags['keep-data'] && flags.cloud !== 'local')
      throw new XfnError(
        'INVALID_OPTIONS',
        `--keep-data applies to the local cloud only; on ${flags.cloud} destroy deletes what xfn deployed.`,
      )
    const { LocalCloudClient } = await import('@xfn/local')
    if (flags['keep-data']) {
      const { stopped } = await new LocalCloudClient(project.dir).destroy({ keepData: true })
      log(
        stopped
          ? `Stopped the local cloud; its queued messages, buckets and logs are kept. Start it again with '${this.commandLine('deploy')}'.`
          : 'No local cloud was running; its data is kept.',
      )
      return { destroyed: false, stopped, keptData: true }
    }
    if (flags.cloud === 'aws')
      return destroyOnAws(project, flags, (question) => this.confirm(flags.yes, question), log)
    if (flags.cloud === 'azure')
      return destroyOnAzure(project, flags, (question) => this.confirm(flags.yes, question), log)
    if (
      !(await this.confirm(
        flags.yes,
        `Delete the local cloud of ${project.app} with its queues, buckets and logs?`,
      ))
    )
      return { destroyed: false }
    const result = await new LocalCloudClient(project.dir).destroy()
    if (!this.jsonEnabled())
      this.log(
        result.stopped
          ? 'Stopped the local cloud and removed its state.'
          : 'Removed the local state (no cloud was running).',
      )
    return { destroyed: true, ...result }
  }

  /** Asks before deleting, unless --yes; without a terminal to ask, --yes is required. */
  private async confirm(yes: boolean, question: string): Promise<boolean> {
    if (yes) return true
    if (!process.stdin.isTTY)
      throw new XfnError('INVALID_OPTIONS', `${question} Pass --yes to confirm: there is no terminal to ask.`)
    const { createInterface } = await import('node:readline/promises')
    const prompt = createInterface({ input: process.stdin, output: process.stdout })
    const answer = await prompt.question(`${question} (y/N) `)
    prompt.close()
    return /^y(es)?$/i.test(answer.trim())
  }
}
