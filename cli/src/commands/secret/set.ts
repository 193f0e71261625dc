import { Args, Flags } from '@oclif/core'
import { validateName } from '@xfn/core'
import { XfnCommand } from '../../base-command.js'
import { readSecretValue } from '../../secret-value.js'
import { settingsFor, targetFlag, targetFlags, targetOffering } from '../../targets/registry.js'

export default class SecretSet extends XfnCommand {
  static override summary = "Set a secret's value for an app's stage."
  static override description =
    'Reads the value from standard input, or from a prompt that does not show it; never from an argument. A function reads it with await secret(name).value(), within a minute of a change, without a redeploy.'
  static override examples = [
    'printf %s "$STRIPE_KEY" | <%= config.bin %> secret set stripe-key',
    '<%= config.bin %> secret set stripe-key --cloud aws --stage prod',
  ]
  static override args = {
    name: Args.string({ description: 'the secret, as secret() names it', required: true }),
  }
  static override flags = {
    cloud: targetFlag,
    project: Flags.string({ description: 'folder of the app', default: '.' }),
    ...targetFlags('secret'),
  }

  async run() {
    const { args, flags } = await this.parse(SecretSet)
    validateName('secret', args.name, `xfn secret set ${args.name}`)
    const project = await this.findProject(flags.project)
    const { target, offered: secrets } = await targetOffering(project, flags.cloud, 'secrets')
    const value = await readSecretValue(args.name)
    await secrets.set(this.host(project), settingsFor(target, flags), args.name, value)
    this.log(`Set secret '${args.name}' on ${target.name}.`)
  }
}
