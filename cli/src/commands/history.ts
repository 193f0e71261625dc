import { Args, Flags } from '@oclif/core'
import { XfnCommand } from '../base-command.js'
import { settingsFor, targetFlag, targetFlags, targetOffering } from '../targets/registry.js'
import { parseSince } from '../time.js'

export default class History extends XfnCommand {
  static override summary = "List the changes made to the app's resources, from the cloud's own audit trail."
  static override description =
    "Who changed what, and when, oldest first: CloudTrail's management events on AWS (it keeps 90 days), the resource group's Activity Log on Azure (90 days). Changes xfn did not make (someone edited a setting in the console) are marked 'by hand'; xfn status reports those made since the live release as drift."
  static override examples = [
    '<%= config.bin %> history --cloud aws',
    '<%= config.bin %> history --cloud azure --since 7d --json',
  ]
  static override enableJsonFlag = true
  static override args = { project: Args.string({ description: 'folder of the app', default: '.' }) }
  static override flags = {
    cloud: targetFlag,
    since: Flags.string({ description: 'from this long ago (15m, 2h, 7d) or this time (ISO); default 7d' }),
    ...targetFlags('history'),
  }

  async run() {
    const { args, flags } = await this.parse(History)
    const project = await this.findProject(args.project)
    const { target, offered: read } = await targetOffering(project, flags.cloud, 'history')
    const since = parseSince(flags.since ?? '7d')
    const changes = await read(this.host(project), settingsFor(target, flags), { since })
    if (!this.jsonEnabled()) {
      if (changes.length === 0)
        this.log(`No changes to ${project.app} on ${target.name} since ${since.toISOString()}.`)
      for (const c of changes)
        this.log(
          `${c.at}  ${c.byXfn ? 'xfn    ' : 'by hand'}  ${c.action} ${c.resource}  by ${c.by ?? 'unknown'}${c.failed ? '  (refused)' : ''}`,
        )
    }
    return { cloud: target.name, since: since.toISOString(), changes }
  }
}
