import { readFileSync } from 'node:fs'
import { XfnError } from '@xfn/core'

/**
 * The text a command was given for a message or a request body: as it is, or, written `@file`,
 * the contents of that file (as curl and the cloud CLIs read it). `where` names the argument.
 */
export function textOrFile(text: string, where: string): string {
  if (!text.startsWith('@')) return text
  try {
    return readFileSync(text.slice(1), 'utf8')
  } catch (error) {
    throw new XfnError(
      'INVALID_OPTIONS',
      `${where} ${text}: cannot read the file ${text.slice(1)} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
    )
  }
}
