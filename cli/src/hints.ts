import { existsSync, realpathSync } from 'node:fs'
import { delimiter, dirname, join, relative, resolve } from 'node:path'
import type { CommandHint } from '@xfn/core'

/*
 * The commands xfn prints (after a deploy, in errors, in status) are written to be pasted where
 * the user is: with the same way of starting xfn, and the app's folder when it is not the current
 * one.
 */

/** Commands that take the app's folder as their argument; the others take --project. */
const folderArgument = new Set([
  'build',
  'check',
  'deploy',
  'destroy',
  'dev',
  'status',
  'releases',
  'rollback',
])

/**
 * How to start this xfn from the current folder: `npx xfn` when it is the one npx finds here (the
 * project's own), `xfn` when it is the one on PATH, else `node <its path>`.
 */
export function xfnLauncher(cwd = process.cwd(), env = process.env, script = process.argv[1]): string {
  const self = script && existsSync(script) ? realpathSync(script) : undefined
  if (!self) return 'npx xfn'
  const same = (file: string) => existsSync(file) && realpathSync(file) === self
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (same(join(dir, 'node_modules', '.bin', 'xfn'))) return 'npx xfn'
    if (dirname(dir) === dir) break
  }
  if ((env.PATH ?? '').split(delimiter).some((dir) => dir && same(join(dir, 'xfn')))) return 'xfn'
  const near = relative(cwd, self)
  return `node ${quote(near.length < self.length ? near : self)}`
}

/** Topics, whose commands are two words: `xfn secret set`. */
const topics = new Set(['queue', 'secret'])

/** A command to paste: `xfn <command>`, the app's folder when it is not `cwd`, then `args`. */
export function commandLine(args: readonly string[], projectDir: string, cwd = process.cwd()): string {
  const words = topics.has(args[0] ?? '') ? 2 : 1
  const command = args.slice(0, words)
  const rest = args.slice(words)
  const folder = relative(cwd, resolve(projectDir))
  const project = folder === '' ? [] : folderArgument.has(command[0] ?? '') ? [folder] : ['--project', folder]
  return [xfnLauncher(cwd), ...command, ...project, ...rest]
    .map((word, i) => (i === 0 ? word : quote(word)))
    .join(' ')
}

/** An error's message with each command it names written as `commandLine` writes it. */
export function withPastableCommands(message: string, commands: readonly CommandHint[], projectDir: string) {
  return commands.reduce(
    (text, command) => text.split(String(command)).join(commandLine(command.args, projectDir)),
    message,
  )
}

/** A word as a POSIX shell reads it back. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`
}
