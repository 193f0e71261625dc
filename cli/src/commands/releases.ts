import { Args } from '@oclif/core'
import { XfnCommand } from '../base-command.js'
import { settingsFor, targetFlag, targetFlags, targetOffering } from '../targets/registry.js'

export default class Releases extends XfnCommand {
  static override summary = "List the app's releases, newest first; the live one is marked."
  static override description =
    'Every deploy that changes the code or the settings is a release: its id, when, who deployed it, the git commit (and whether the tree had changes), and the package it ran. xfn rollback makes an earlier one live again.'
  static override examples = ['<%= config.bin %> releases', '<%= config.bin %> releases --json']
  static override enableJsonFlag = true
  static override args = { project: Args.string({ description: 'folder of the app', default: '.' }) }
  static override flags = { cloud: targetFlag, ...targetFlags('releases') }

  async run() {
    const { args, flags } = await this.parse(Releases)
    const project = await this.findProject(args.project)
    const { target, offered: releases } = await targetOffering(project, flags.cloud, 'releases')
    const listed = [...(await releases.list(this.host(project), settingsFor(target, flags)))].reverse()
    if (!this.jsonEnabled()) {
      if (listed.length === 0)
        this.log(`No releases of ${project.app} on ${target.name} yet; deploy it first.`)
      for (const r of listed)
        this.log(
          `${r.live ? '*' : ' '} ${r.id.padEnd(5)} ${r.deployedAt}  ${(r.by ?? '?').padEnd(12)} ${r.commit ? `${r.commit.slice(0, 10)}${r.dirty ? '+changes' : ''}` : 'no commit'}  package ${r.sha256.slice(0, 12)}  settings ${r.settingsDigest.slice(0, 8)}`,
        )
    }
    return { cloud: target.name, releases: listed }
  }
}
