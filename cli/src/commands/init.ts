import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { Args, Flags } from '@oclif/core'
import { validateName, XfnError } from '@xfn/core'
import { XfnCommand } from '../base-command.js'
import { scaffold, type Template, templateSummaries, templates } from '../init/templates.js'

export default class Init extends XfnCommand {
  static override summary = 'Create a new app from a template.'
  static override description =
    `Writes a TypeScript app that passes its own tests and \`xfn check\` as written: xfn.config.ts, src/index.ts, a test with @xfn/core/testing, and a package.json with scripts. Templates: ${templates.map((t) => `${t} (${templateSummaries[t]})`).join('; ')}.`
  static override examples = ['<%= config.bin %> init my-app', '<%= config.bin %> init shop --template full']
  static override enableJsonFlag = true
  static override args = {
    dir: Args.string({ description: 'folder to create; its name is the app name', default: '.' }),
  }
  static override flags = {
    template: Flags.string({ description: 'what to start from', options: [...templates], default: 'http' }),
  }

  async run() {
    const { args, flags } = await this.parse(Init)
    const dir = resolve(args.dir)
    const name = basename(dir)
    validateName('app', name, `the folder name '${name}' (the app name)`)
    if (existsSync(dir) && readdirSync(dir).length > 0)
      throw new XfnError(
        'INVALID_OPTIONS',
        `${dir} is not empty; choose a new folder: xfn init <new-folder>.`,
      )
    const files = scaffold(name, flags.template as Template, versions())
    for (const [path, contents] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), contents)
    }
    if (!this.jsonEnabled()) {
      const where = relative(process.cwd(), dir) || '.'
      this.log(`Created ${name} (${templateSummaries[flags.template as Template]}) in ${where}:`)
      for (const path of Object.keys(files)) this.log(`  ${path}`)
      this.log('')
      this.log('Next:')
      if (where !== '.') this.log(`  cd ${where}`)
      this.log('  npm install')
      this.log('  npm test              # the handlers, in-process')
      this.log('  npx xfn check         # what each function becomes on AWS, Azure and locally')
      this.log('  npx xfn deploy        # run it on the local cloud')
    }
    return { dir, app: name, template: flags.template, files: Object.keys(files) }
  }
}

/** The versions the new app depends on: this xfn's own, and the vitest it was tested with. */
function versions() {
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return { xfn: own.version, vitest: '4.1.0' }
}
