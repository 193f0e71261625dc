import { Args, Command, Flags } from '@oclif/core'
import { type Cloud, clouds, XfnError } from '@xfn/core'
import { checkPortability, type PortabilityReport } from '@xfn/core/portability'
import { exitCodeFor, exitCodes } from '../exit-codes.js'
import { loadManifest } from '../load-app.js'
import { findProject } from '../project.js'
import { formatReport, type Style } from '../report.js'

export default class Check extends Command {
  static override summary = 'Load an app, validate it, and report what runs on each cloud.'
  static override description =
    'Bundles the app, records its functions and resources without running any handler, and checks every one against the rules of each cloud: schedules that EventBridge or NCRONTAB cannot express, queue settings an Azure Function App shares, S3 notification overlaps, and more. Exits 1 when the app cannot run on a cloud you asked about.'
  static override examples = [
    '<%= config.bin %> check',
    '<%= config.bin %> check examples/orders --cloud aws,azure',
    '<%= config.bin %> check --json',
  ]
  static override enableJsonFlag = true
  static override args = {
    project: Args.string({ description: 'folder of the app', default: '.' }),
  }
  static override flags = {
    cloud: Flags.string({
      description: 'clouds to check, comma-separated',
      default: clouds.join(','),
    }),
    entry: Flags.string({ description: 'entry module, relative to the app folder (default: src/index.ts)' }),
    'no-color': Flags.boolean({ description: 'print without colours' }),
  }

  async run(): Promise<PortabilityReport> {
    const { args, flags } = await this.parse(Check)
    try {
      const targets = parseClouds(flags.cloud)
      const project = findProject(args.project, flags.entry)
      const manifest = await loadManifest(project)
      const report = checkPortability(manifest, targets)
      if (!this.jsonEnabled())
        this.log(
          formatReport(
            report,
            terminalStyle(!flags['no-color'] && !process.env.NO_COLOR && process.stdout.isTTY === true),
          ),
        )
      if (report.portableTo.length < report.clouds.length) process.exitCode = exitCodes.problemsFound
      return report
    } catch (error) {
      if (error instanceof XfnError) this.error(error.message, { exit: exitCodeFor(error) })
      throw error
    }
  }
}

export function parseClouds(text: string): Cloud[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
  const unknown = names.filter((name) => !(clouds as readonly string[]).includes(name))
  if (unknown.length > 0 || names.length === 0) {
    throw new XfnError(
      'INVALID_OPTIONS',
      `--cloud: unknown cloud '${unknown.join("', '")}'. Choose from ${clouds.join(', ')}, comma-separated.`,
    )
  }
  return [...new Set(names)] as Cloud[]
}

function terminalStyle(color: boolean): Style {
  const paint = (code: number) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text)
  return { ok: paint(32), bad: paint(31), warn: paint(33), dim: paint(2), bold: paint(1) }
}
