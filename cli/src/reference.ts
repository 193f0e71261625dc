import { Config } from '@oclif/core'

/**
 * The command reference (docs/commands.md), generated from oclif's metadata of every command:
 * summary, usage, arguments, flags and examples. `npm run docs` writes it, and a test fails when
 * it is out of date.
 */
export async function commandReference(root: string): Promise<string> {
  const config = await Config.load(root)
  const commands = [...config.commands].filter((c) => !c.hidden).sort((a, b) => a.id.localeCompare(b.id))
  const bin = config.bin
  const render = (text: string) => text.replaceAll('<%= config.bin %>', bin)
  const id = (c: { id: string }) => c.id.replaceAll(':', ' ')
  const summary = (c: { summary?: string | undefined; description?: string | undefined }) =>
    c.summary ?? c.description?.split('\n')[0] ?? ''
  const out = [
    '# Command reference',
    '',
    `Generated from the CLI's own metadata by \`npm run docs\`; a test fails when it is out of date.`,
    '',
    ...commands.map(
      (c) => `- [\`${bin} ${id(c)}\`](#${`${bin}-${id(c)}`.replaceAll(' ', '-')}): ${summary(c)}`,
    ),
    '',
  ]
  for (const command of commands) {
    const args = Object.entries(command.args ?? {})
    const flags = Object.entries(command.flags ?? {}).filter(([, f]) => !f.hidden)
    out.push(`## ${bin} ${id(command)}`, '')
    if (command.summary) out.push(command.summary, '')
    if (command.description) out.push(render(command.description), '')
    else if (!command.summary) out.push(summary(command), '')
    out.push(
      '```',
      `${bin} ${id(command)}${args.map(([name, a]) => (a.required ? ` ${name.toUpperCase()}` : ` [${name.toUpperCase()}]`)).join('')}${flags.length > 0 ? ' [FLAGS]' : ''}`,
      '```',
      '',
    )
    if (args.length > 0) {
      out.push('| argument | description |', '| --- | --- |')
      for (const [name, arg] of args)
        out.push(
          `| \`${name.toUpperCase()}\` | ${arg.description ?? ''}${arg.default === undefined ? '' : ` (default: \`${String(arg.default)}\`)`} |`,
        )
      out.push('')
    }
    if (flags.length > 0) {
      out.push('| flag | description |', '| --- | --- |')
      for (const [name, flag] of flags) {
        const char = flag.char ? `-${flag.char}, ` : ''
        const value = flag.type === 'option' ? ` <${(flag.options ?? []).join('\\|') || 'value'}>` : ''
        const fallback =
          flag.type === 'option' && flag.default !== undefined && typeof flag.default !== 'function'
            ? ` (default: \`${String(flag.default)}\`)`
            : ''
        out.push(
          `| \`${char}--${name}${value}\` | ${(flag.summary ?? flag.description ?? '').replaceAll('|', '\\|')}${fallback} |`,
        )
      }
      out.push('')
    }
    const examples = (command.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command))
    if (examples.length > 0) out.push('```sh', ...examples.map((e) => render(e)), '```', '')
  }
  return `${out.join('\n').trimEnd()}\n`
}
