import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { Args, Flags } from '@oclif/core'
import { validateName, XfnError } from '@xfn/core'
import { XfnCommand } from '../base-command.js'
import { checkoutRoot, packsFolder, packWorkspace, xfnDependencies } from '../init/packages.js'
import { scaffold, type Template, templateSummaries, templates } from '../init/templates.js'

export default class Init extends XfnCommand {
  static override summary = 'Create a new app from a template.'
  static override description =
    `Writes a TypeScript app that passes its own tests and \`xfn check\` as written: xfn.config.ts, src/index.ts, a test with @xfn/core/testing, and a package.json with scripts. Templates: ${templates.map((t) => `${t} (${templateSummaries[t]})`).join('; ')}.`
  static override examples = [
    '<%= config.bin %> init my-app',
    '<%= config.bin %> init shop --template full',
    '<%= config.bin %> init shop --from ../xfn/packs',
  ]
  static override enableJsonFlag = true
  static override args = {
    dir: Args.string({ description: 'folder to create; its name is the app name', default: '.' }),
  }
  static override flags = {
    template: Flags.string({ description: 'what to start from', options: [...templates], default: 'http' }),
    from: Flags.string({
      description: `a folder of xfn package tarballs ('npm run pack' in an xfn checkout writes them to ${packsFolder}/) for the app to install xfn from; run from a checkout, xfn init packs it and uses those`,
    }),
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
    const from = flags.from ?? packedCheckout()
    const files = scaffold(name, flags.template as Template, xfnDependencies(ownVersion(), from))
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
    return {
      dir,
      app: name,
      template: flags.template,
      files: Object.keys(files),
      xfnFrom: from ?? 'registry',
    }
  }
}

/** This xfn's version, which a new app depends on. */
function ownVersion(): string {
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return own.version
}

/**
 * Run from a checkout, the checkout's packages as fresh tarballs in its packs folder (xfn's
 * packages are not on the registry yet); run from an installed xfn, nothing (the registry).
 */
function packedCheckout(): string | undefined {
  const root = checkoutRoot()
  if (!root) return undefined
  const dest = join(root, packsFolder)
  packWorkspace(root, dest)
  return dest
}
