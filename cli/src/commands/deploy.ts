import { Args, Flags, ux } from '@oclif/core'
import { XfnError } from '@xfn/core'
import { awsFlags, deployToAws } from '../aws.js'
import { azureFlags, deployToAzure } from '../azure.js'
import { cloudFlag, XfnCommand } from '../base-command.js'
import { buildApp } from '../build/index.js'
import { describeDeployment } from '../local.js'

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
    cloud: cloudFlag,
    entry: Flags.string({ description: 'entry module, relative to the app folder (default: src/index.ts)' }),
    ...awsFlags,
    ...azureFlags,
    'dry-run': Flags.boolean({ description: 'aws, azure: print the plan and change nothing' }),
    port: Flags.integer({
      description: 'local cloud: the port to listen on when it starts (default 4747; 0 for any free port)',
    }),
  }

  async run() {
    const { args, flags } = await this.parse(Deploy)
    const project = await this.findProject(args.project, flags.entry)
    if (flags.cloud === 'aws')
      return deployToAws(project, { ...flags, dryRun: flags['dry-run'] }, (line) => {
        if (!this.jsonEnabled()) this.log(line)
      })
    if (flags.cloud === 'azure')
      return deployToAzure(project, { ...flags, dryRun: flags['dry-run'] }, (line) => {
        if (!this.jsonEnabled()) this.log(line)
      })
    const started = Date.now()
    ux.action.start(`Deploying ${project.app} to the local cloud`)
    try {
      const { build } = await buildApp(project, 'local')
      const artifact = build.artifacts[0]
      if (!artifact) throw new XfnError('INTERNAL', 'The local build wrote no module.')
      const { LocalCloudClient } = await import('@xfn/local')
      const client = new LocalCloudClient(project.dir)
      const result = await client.deploy(
        {
          app: project.app,
          module: `${project.dir}/.xfn/build/local/${artifact.path}`,
          sha256: artifact.sha256,
        },
        flags.port === undefined ? {} : { port: flags.port },
      )
      ux.action.stop(
        `${result.started ? `started (pid ${result.status.pid})` : 'updated'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      )
      if (!this.jsonEnabled()) {
        this.log(describeDeployment(result.status, project.dir, result.apiKey))
        this.log(
          `Logs: ${this.commandLine('logs', '--follow')}    Stop: ${this.commandLine('destroy', '--yes')}`,
        )
      }
      return { ...result.status, apiKey: result.apiKey }
    } catch (error) {
      ux.action.stop('failed')
      throw error
    }
  }
}
