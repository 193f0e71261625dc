import { Args, Flags } from '@oclif/core'
import { XfnError } from '@xfn/core'
import { XfnCommand } from '../base-command.js'
import { settingsFor, targetFlag, targetFlags, targetNamed, targetsThatCan } from '../targets/registry.js'

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
    cloud: targetFlag,
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation' }),
    'keep-data': Flags.boolean({
      description: `${targetsThatCan('keepData')}: stop the app but keep its queued messages, buckets, logs and key; the next deploy starts from them`,
    }),
    ...targetFlags('destroy'),
  }

  async run() {
    const { args, flags } = await this.parse(Destroy)
    const project = await this.findProject(args.project)
    const target = await targetNamed(project, flags.cloud)
    if (flags['keep-data'] && !target.keepData)
      throw new XfnError(
        'INVALID_OPTIONS',
        `--keep-data applies to ${targetsThatCan('keepData')} only; on ${target.name} destroy deletes what xfn deployed.`,
      )
    return target.destroy(this.host(project, { yes: flags.yes }), settingsFor(target, flags), {
      keepData: flags['keep-data'],
    })
  }
}
