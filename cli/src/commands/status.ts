import { Args } from '@oclif/core'
import { awsFlags, statusOnAws } from '../aws.js'
import { azureFlags, statusOnAzure } from '../azure.js'
import { cloudFlag, XfnCommand } from '../base-command.js'
import { describeDeployment } from '../local.js'

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
  static override flags = { cloud: cloudFlag, ...awsFlags, ...azureFlags }

  async run() {
    const { args, flags } = await this.parse(Status)
    const project = await this.findProject(args.project)
    if (flags.cloud === 'aws')
      return statusOnAws(project, flags, (line) => {
        if (!this.jsonEnabled()) this.log(line)
      })
    if (flags.cloud === 'azure')
      return statusOnAzure(project, flags, (line) => {
        if (!this.jsonEnabled()) this.log(line)
      })
    const { LocalCloudClient } = await import('@xfn/local')
    const status = await new LocalCloudClient(project.dir).status()
    if (!status) {
      if (!this.jsonEnabled())
        this.log(
          `The local cloud of ${project.app} is not running. Start it with: ${this.commandLine('deploy')}`,
        )
      return { running: false }
    }
    if (!this.jsonEnabled()) {
      this.log(
        `Local cloud of ${status.app ?? project.app}: pid ${status.pid}, deployed ${status.deployedAt ?? 'nothing'}`,
      )
      this.log(describeDeployment(status, project.dir))
      const queues = Object.entries(status.queues)
      if (queues.length > 0) {
        this.log('Queues:')
        for (const [name, depth] of queues)
          this.log(`  ${name.padEnd(24)} ${depth.visible} waiting, ${depth.hidden} in flight or delayed`)
      }
    }
    return { running: true, ...status }
  }
}
