import { Args, Flags } from '@oclif/core'
import { XfnCommand } from '../../base-command.js'
import { settingsFor, targetFlag, targetFlags, targetOffering } from '../../targets/registry.js'

export default class SecretRm extends XfnCommand {
  static override summary = 'Remove a secret of an app.'
  static override examples = [
    '<%= config.bin %> secret rm stripe-key',
    '<%= config.bin %> secret rm stripe-key --cloud aws',
  ]
  static override args = { name: Args.string({ description: 'the secret', required: true }) }
  static override flags = {
    cloud: targetFlag,
    project: Flags.string({ description: 'folder of the app', default: '.' }),
    ...targetFlags('secret'),
  }

  async run() {
    const { args, flags } = await this.parse(SecretRm)
    const project = await this.findProject(flags.project)
    const { target, offered: secrets } = await targetOffering(project, flags.cloud, 'secrets')
    const removed = await secrets.remove(this.host(project), settingsFor(target, flags), args.name)
    this.log(
      removed
        ? `Removed secret '${args.name}' from ${target.name}.`
        : `No secret '${args.name}' on ${target.name}.`,
    )
  }
}
