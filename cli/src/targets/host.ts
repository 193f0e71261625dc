import type { TargetHost } from '@xfn/core'
import { XfnError } from '@xfn/core'
import { commandLine } from '../hints.js'
import type { Project } from '../project.js'

/** What a command gives the target it calls: its output, its questions, and the app's build. */
export function targetHost(
  project: Project,
  options: {
    readonly json: boolean
    readonly yes?: boolean
    readonly log: (line: string) => void
    readonly notice: (line: string) => void
  },
): TargetHost {
  return {
    project,
    log: (line) => {
      if (!options.json) options.log(line)
    },
    notice: options.notice,
    commandLine: (...args) => commandLine(args, project.dir),
    confirm: (question) => confirm(options.yes ?? false, question),
    buildModule: async () => (await import('../build/index.js')).buildApp(project, 'local'),
    loadManifest: async () => (await import('../load-app.js')).loadManifest(project),
  }
}

/** The app as the command line found it, for the targets that ship with it. */
export function projectOf(host: TargetHost): Project {
  return host.project as Project
}

/** Asks before deleting, unless --yes; without a terminal to ask, --yes is required. */
async function confirm(yes: boolean, question: string): Promise<boolean> {
  if (yes) return true
  if (!process.stdin.isTTY)
    throw new XfnError('INVALID_OPTIONS', `${question} Pass --yes to confirm: there is no terminal to ask.`)
  const { createInterface } = await import('node:readline/promises')
  const prompt = createInterface({ input: process.stdin, output: process.stdout })
  const answer = await prompt.question(`${question} (y/N) `)
  prompt.close()
  return /^y(es)?$/i.test(answer.trim())
}
