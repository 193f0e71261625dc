import { Args, Flags } from '@oclif/core'
import { XfnCommand } from '../base-command.js'
import { settingsFor, targetFlag, targetFlags, targetOffering } from '../targets/registry.js'

export default class Rollback extends XfnCommand {
  static override summary = 'Make an earlier release live again, without rebuilding.'
  static override description =
    'By default the release before the live one; --to names another (see xfn releases). Its package and settings serve again at once; the next deploy makes a new release.'
  static override examples = ['<%= config.bin %> rollback', '<%= config.bin %> rollback --to r3']
  static override enableJsonFlag = true
  static override args = { project: Args.string({ description: 'folder of the app', default: '.' }) }
  static override flags = {
    cloud: targetFlag,
    to: Flags.string({ description: 'the release to make live (default: the one before the live one)' }),
    'code-only': Flags.boolean({
      description:
        "on a cloud, bring back only the code of the release's functions when the app's resources have changed since (xfn says when that is safe)",
    }),
    ...targetFlags('releases'),
  }

  async run() {
    const { args, flags } = await this.parse(Rollback)
    const project = await this.findProject(args.project)
    const { target, offered: releases } = await targetOffering(project, flags.cloud, 'releases')
    const live = await releases.rollback(this.host(project), settingsFor(target, flags), {
      to: flags.to,
      codeOnly: flags['code-only'],
    })
    this.log(
      `Release ${live.id} of ${project.app} is live again on ${target.name} (package ${live.sha256.slice(0, 12)}, deployed ${live.deployedAt}).`,
    )
    return { cloud: target.name, release: live }
  }
}
