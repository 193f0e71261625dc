import { Command } from '@oclif/core'
import { exitCodes } from './exit-codes.js'

/**
 * A command whose feature has not been built yet. It says so and which issue tracks it, and exits
 * non-zero, so no script mistakes it for success.
 */
export function notYetAvailable(
  name: string,
  summary: string,
  issue: number,
  example: string,
): typeof Command {
  return class extends Command {
    static override summary = `${summary} (not available yet)`
    static override description =
      `\`xfn ${name}\` is planned but not built yet: it is tracked in issue #${issue}. Today, \`xfn check\` validates an app and reports its portability.`
    static override examples = [example]
    static override strict = false

    async run(): Promise<void> {
      this.error(
        `'xfn ${name}' is not available yet (tracked in issue #${issue}). Run 'xfn check' to validate your app today.`,
        {
          exit: exitCodes.user,
        },
      )
    }
  }
}
