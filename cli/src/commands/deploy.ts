import { Args, Flags } from '@oclif/core'
import { XfnError } from '@xfn/core'
import { XfnCommand } from '../base-command.js'
import { settingsFor, targetFlag, targetFlags, targetNamed, targetsThatCan } from '../targets/registry.js'

export default class Deploy extends XfnCommand {
  static override summary = 'Deploy the app to a cloud.'
  static override description =
    'Builds the app and deploys it. On the local cloud (the default) the cloud process starts in the background if none runs for this project, and outlives the command; a second deploy swaps in the new build without losing queued messages. On AWS it reads what exists (found by name and by the xfn:app and xfn:stage tags), prints the changes, and makes them with direct SDK calls; a deploy with nothing to change changes nothing, and an interrupted one finishes when run again. On Azure it does the same in one resource group per app and stage (xfn-<app>-<stage>, tagged): a storage account, Application Insights, a Flex Consumption (or, with azure.plan, Linux Consumption) Function App, and a publish only when the package changed.'
  static override examples = [
    '<%= config.bin %> deploy',
    '<%= config.bin %> deploy examples/orders --cloud local --port 8080',
    '<%= config.bin %> deploy --cloud aws --stage prod --region eu-west-1 --dry-run',
    '<%= config.bin %> deploy --cloud azure --stage prod --location westeurope',
  ]
  static override enableJsonFlag = true
  static override args = { project: Args.string({ description: 'folder of the app', default: '.' }) }
  static override flags = {
    cloud: targetFlag,
    entry: Flags.string({ description: 'entry module, relative to the app folder (default: src/index.ts)' }),
    ...targetFlags('deploy'),
    'dry-run': Flags.boolean({
      description: `${targetsThatCan('dryRun')}: print the plan and change nothing`,
    }),
  }

  async run() {
    const { args, flags } = await this.parse(Deploy)
    const project = await this.findProject(args.project, flags.entry)
    const target = await targetNamed(project, flags.cloud)
    if (flags['dry-run'] && !target.dryRun)
      throw new XfnError(
        'INVALID_OPTIONS',
        `--dry-run: ${target.name} has no dry run; deploy without it, or ask another cloud for its plan.`,
      )
    return target.deploy(this.host(project), settingsFor(target, flags), { dryRun: flags['dry-run'] })
  }
}
