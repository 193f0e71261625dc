import { Command, Flags } from '@oclif/core'
import { type Cloud, clouds, XfnError } from '@xfn/core'
import { exitCodeFor } from './exit-codes.js'

/**
 * The base of xfn's commands: an XfnError (a user mistake, a cloud failure) prints its message as
 * one paragraph, without a stack trace, and exits with the code of its class.
 */
export abstract class XfnCommand extends Command {
  static override baseFlags = {
    verbose: Flags.boolean({ description: 'on errors, also print their causes', helpGroup: 'GLOBAL' }),
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (error instanceof XfnError) {
      const causes = this.argv.includes('--verbose') ? causeChain(error) : ''
      this.error(`${error.message}${causes}`, { exit: exitCodeFor(error) })
    }
    return super.catch(error)
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

/** `--cloud` for commands that act on one cloud. */
export const cloudFlag = Flags.string({
  description: `the cloud: ${clouds.join(', ')}`,
  default: 'local',
  parse: async (value) => parseClouds(value, { single: true })[0] as string,
})

/** Reads `--cloud a,b`: known clouds only, named in the error otherwise. */
export function parseClouds(text: string, options: { single?: boolean } = {}): Cloud[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
  const unknown = names.filter((name) => !(clouds as readonly string[]).includes(name))
  if (unknown.length > 0 || names.length === 0) {
    throw new XfnError(
      'INVALID_OPTIONS',
      `--cloud: unknown cloud '${unknown.join("', '")}'. Choose from ${clouds.join(', ')}${options.single ? '' : ', comma-separated'}.`,
    )
  }
  if (options.single && names.length > 1) {
    throw new XfnError('INVALID_OPTIONS', `--cloud: give one cloud here, not ${names.join(', ')}.`)
  }
  return [...new Set(names)] as Cloud[]
}
