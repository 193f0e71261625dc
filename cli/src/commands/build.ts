import { Args, Flags, ux } from '@oclif/core'
import { XfnCommand } from '../base-command.js'
import { type BuildManifest, buildApp } from '../build/index.js'
import {
  anotherTargetThan,
  buildTargetFlag,
  settingsFor,
  targetFlags,
  targetNamed,
} from '../targets/registry.js'

export default class Build extends XfnCommand {
  static override summary = 'Bundle and package the app for a cloud.'
  static override description =
    'Writes .xfn/build/<cloud>/: for AWS one zip whose handlers are index.<function>; for Azure a complete Function App folder (app/) and its zip; for the local cloud the module it loads. manifest.json there lists every function, its handler and each artifact with its SHA-256. The same sources always give the same bytes.'
  static override examples = [
    '<%= config.bin %> build --cloud aws',
    '<%= config.bin %> build examples/hello --cloud azure --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    project: Args.string({ description: 'folder of the app', default: '.' }),
  }
  static override flags = {
    cloud: buildTargetFlag,
    entry: Flags.string({ description: 'entry module, relative to the app folder (default: src/index.ts)' }),
    ...targetFlags('build'),
  }

  async run(): Promise<BuildManifest & { dir: string }> {
    const { args, flags } = await this.parse(Build)
    const project = await this.findProject(args.project, flags.entry)
    const target = await targetNamed(project, flags.cloud)
    const started = Date.now()
    ux.action.start(`Building ${project.app} for ${target.name}`)
    try {
      const { dir, build } = await buildApp(project, target, {
        settings: settingsFor(target, flags),
        otherTarget: anotherTargetThan(target.name),
      })
      ux.action.stop(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      if (!this.jsonEnabled()) {
        this.log(`Built into ${dir}`)
        for (const artifact of build.artifacts) {
          this.log(`  ${artifact.path}  ${(artifact.bytes / 1024).toFixed(1)} KiB  sha256 ${artifact.sha256}`)
        }
        for (const fn of build.functions)
          this.log(`  ${fn.name.padEnd(24)} ${fn.trigger.type.padEnd(6)} handler ${fn.handler}`)
      }
      return { dir, ...build }
    } catch (error) {
      ux.action.stop('failed')
      throw error
    }
  }
}
