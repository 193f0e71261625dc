import { Args } from '@oclif/core'
import { XfnCommand } from '../base-command.js'
import { settingsFor, targetFlag, targetFlags, targetNamed } from '../targets/registry.js'

export default class Status extends XfnCommand {
  static override summary = 'Show what is deployed and where.'
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --json',
    '<%= config.bin %> status --cloud aws --stage prod',
    '<%= config.bin %> status --cloud azure --stage prod',
  ]
  static override enableJsonFlag = true
  static override args = { project: Args.string({ description: 'folder of the app', default: '.' }) }
  static override flags = { cloud: targetFlag, ...targetFlags('status') }

  async run() {
    const { args, flags } = await this.parse(Status)
    const project = await this.findProject(args.project)
    const target = await targetNamed(project, flags.cloud)
    return target.status(this.host(project), settingsFor(target, flags))
  }
}
