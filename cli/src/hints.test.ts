import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Config } from '@oclif/core'
import { XfnError, xfnCommand } from '@xfn/core'
import { afterAll, describe, expect, it } from 'vitest'
import { XfnCommand } from './base-command.js'
import { commandLine, withPastableCommands, xfnLauncher } from './hints.js'

const root = mkdtempSync(join(tmpdir(), 'xfn-hints-'))
const script = join(root, 'cli/bin/run.js')
mkdirSync(join(root, 'cli/bin'), { recursive: true })
writeFileSync(script, '')
mkdirSync(join(root, 'app/node_modules/.bin'), { recursive: true })
mkdirSync(join(root, 'app/src'), { recursive: true })
symlinkSync(script, join(root, 'app/node_modules/.bin/xfn'))
mkdirSync(join(root, 'global'), { recursive: true })
symlinkSync(script, join(root, 'global/xfn'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('printed commands', () => {
  it('start xfn the way that reaches this xfn from the current folder', () => {
    expect(xfnLauncher(join(root, 'app'), { PATH: '' }, script)).toBe('npx xfn')
    expect(xfnLauncher(join(root, 'app/src'), { PATH: '' }, script)).toBe('npx xfn')
    expect(xfnLauncher(root, { PATH: join(root, 'global') }, script)).toBe('xfn')
    expect(xfnLauncher(root, { PATH: '/usr/bin' }, script)).toBe('node cli/bin/run.js')
    expect(xfnLauncher('/usr/share/doc', { PATH: '' }, script)).toBe(`node ${script}`)
  })

  it('name the app folder as the command takes it, and quote what a shell would split', () => {
    const app = join(process.cwd(), 'examples/orders')
    expect(commandLine(['destroy', '--yes'], app)).toMatch(/ destroy examples\/orders --yes$/)
    expect(commandLine(['logs', '--follow'], app)).toMatch(/ logs --project examples\/orders --follow$/)
    expect(commandLine(['logs'], process.cwd())).toMatch(/ logs$/)
    // A topic's command is two words, and the folder follows both.
    expect(commandLine(['secret', 'set', 'stripe-key'], app)).toMatch(
      / secret set --project examples\/orders stripe-key$/,
    )
    expect(commandLine(['invoke', 'fn', '--data', `{"a":"it's"}`], process.cwd())).toMatch(
      / invoke fn --data '\{"a":"it'\\''s"\}'$/,
    )
  })

  it('rewrite the commands an error names, and only those', () => {
    const deploy = xfnCommand('deploy', '--cloud', 'azure', '--stage', 'dev')
    const message = `Nothing is deployed. Deploy it with: ${deploy}. (xfn status shows more.)`
    const rewritten = withPastableCommands(message, [deploy], join(process.cwd(), 'examples/orders'))
    expect(rewritten).toMatch(
      /Deploy it with: \S.* deploy examples\/orders --cloud azure --stage dev\. \(xfn status shows more\.\)$/,
    )
  })
})

describe('exit codes', () => {
  const config = Config.load(new URL('../', import.meta.url).pathname)
  class Fails extends XfnCommand {
    static error: Error
    async run() {
      throw Fails.error
    }
    /** As oclif runs a command: run, then catch. */
    runAsCli() {
      return this._run()
    }
  }
  const exitOf = async (error: Error) => {
    Fails.error = error
    const command = new Fails([], await config)
    const thrown = await command.runAsCli().then(
      () => undefined,
      (e: { oclif?: { exit?: number }; message: string }) => e,
    )
    return { exit: thrown?.oclif?.exit, message: thrown?.message ?? '' }
  }

  it('are 4 for an error xfn did not mean, 2 and 3 for a user mistake and a cloud failure', async () => {
    const bug = await exitOf(new TypeError("Cannot read properties of undefined (reading 'x')"))
    expect(bug.exit).toBe(4)
    expect(bug.message).toContain('This is a bug in xfn')
    expect((await exitOf(new XfnError('INVALID_OPTIONS', 'bad flag'))).exit).toBe(2)
    expect((await exitOf(new XfnError('CLOUD_ERROR', 'throttled'))).exit).toBe(3)
  })
})
