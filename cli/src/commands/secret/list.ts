import { Flags } from '@oclif/core'
import { XfnCommand } from '../../base-command.js'
import { settingsFor, targetFlag, targetFlags, targetOffering } from '../../targets/registry.js'

export default class SecretList extends XfnCommand {
  static override summary = "List an app's secrets: names and when each last changed, never values."
  static override examples = [
    '<%= config.bin %> secret list',
    '<%= config.bin %> secret list --cloud aws --stage prod',
  ]
  static override enableJsonFlag = true
  static override flags = {
    cloud: targetFlag,
    project: Flags.string({ description: 'folder of the app', default: '.' }),
    ...targetFlags('secret'),
  }

  async run() {
    const { flags } = await this.parse(SecretList)
    const project = await this.findProject(flags.project)
    const { target, offered: secrets } = await targetOffering(project, flags.cloud, 'secrets')
    const listed = await secrets.list(this.host(project), settingsFor(target, flags))
    if (!this.jsonEnabled()) {
      if (listed.length === 0) this.log(`No secrets on ${target.name}.`)
      for (const secret of listed)
        this.log(`${secret.name.padEnd(32)} changed ${secret.changedAt ?? 'at an unknown time'}`)
    }
    return { cloud: target.name, secrets: listed }
  }
}
