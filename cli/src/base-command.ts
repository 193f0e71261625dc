import { Command, Flags } from '@oclif/core'
import { type TargetHost, XfnError } from '@xfn/core'
import { exitCodeFor, exitCodes } from './exit-codes.js'
import { commandLine, withPastableCommands } from './hints.js'
import { findProject, type Project } from './project.js'
import { targetHost } from './targets/host.js'

/**
 * The base of xfn's commands: an XfnError (a user mistake, a cloud failure) prints its message as
 * one paragraph, without a stack trace, and exits with the code of its class; any other error
 * but oclif's own (a bug in xfn) exits with 4. The commands a message names are printed ready to
 * paste from the current folder.
 */
export abstract class XfnCommand extends Command {
  static override baseFlags = {
    verbose: Flags.boolean({ description: 'on errors, also print their causes', helpGroup: 'GLOBAL' }),
  }

  /** The app's folder, once the command has found it (else the current folder). */
  private projectDir = process.cwd()

  /** Finds the app, and remembers where it is for the commands printed afterwards. */
  protected async findProject(dir: string, entry?: string): Promise<Project> {
    this.projectDir = dir
    const project = await findProject(dir, entry)
    this.projectDir = project.dir
    return project
  }

  /** What a target is given by this command: its output (none with --json), its questions, the app's build. */
  protected host(project: Project, options: { yes?: boolean } = {}): TargetHost {
    return targetHost(project, {
      json: this.jsonEnabled(),
      yes: options.yes ?? false,
      log: (line) => this.log(line),
      notice: (line) => this.logToStderr(line),
    })
  }

  /** An xfn command (its arguments after `xfn`) as the user can paste it here, for this app. */
  protected commandLine(...args: string[]): string {
    return commandLine(args, this.projectDir)
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: unknown }): Promise<unknown> {
    const causes = (e: Error) => (this.argv.includes('--verbose') ? causeChain(e) : '')
    if (error instanceof XfnError) {
      const message = withPastableCommands(error.message, error.commands, this.projectDir)
      this.error(`${message}${causes(error)}`, { exit: exitCodeFor(error) })
    }
    if (error.oclif !== undefined || error.exitCode !== undefined) return super.catch(error)
    this.error(
      `Unexpected error: ${error.message || String(error)}. This is a bug in xfn; please report it with the output of --verbose.${causes(error)}`,
      { exit: exitCodes.internal },
    )
  }
}

/** The causes of an error, one per line with its name and message, then the innermost stack. */
function causeChain(error: Error): string {
  const lines: string[] = []
  let cause: unknown = error.cause
  let last: unknown
  while (cause !== undefined && lines.length < 10) {
    lines.push(`caused by ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`)
    last = cause
    cause = cause instanceof Error ? cause.cause : undefined
  }
  const stack =
    last instanceof Error && last.stack ? `\n${last.stack}` : error.stack ? `\n${error.stack}` : ''
  return `\n${lines.join('\n')}${stack}`
}
