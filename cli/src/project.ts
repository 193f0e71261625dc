import { existsSync, readFileSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { validateName, XfnError } from '@xfn/core'
import { configFile, loadConfig, type XfnConfig } from './config.js'

/** A user's app on disk: where it is, its entry module, its name, and its xfn.config.ts. */
export interface Project {
  readonly dir: string
  readonly entry: string
  readonly app: string
  readonly config: XfnConfig
}

const defaultEntries = [
  'src/index.ts',
  'src/index.mts',
  'src/index.js',
  'src/index.mjs',
  'index.ts',
  'index.js',
]

/**
 * Finds the app in a folder: the entry given, or the first of the default entries; the app name
 * from package.json (without its scope), or the folder's name.
 */
export async function findProject(dirArgument: string, entryFlag?: string): Promise<Project> {
  const dir = resolve(dirArgument)
  if (!existsSync(dir)) {
    throw new XfnError(
      'APP_LOAD_FAILED',
      `The folder ${dir} does not exist. Pass the folder of your app, such as 'xfn check examples/hello'.`,
    )
  }
  const config = await loadConfig(dir)
  const chosen = entryFlag ?? config.entry
  const candidates = chosen ? [chosen] : defaultEntries
  const entry = candidates.map((c) => resolve(dir, c)).find((path) => existsSync(path))
  if (!entry) {
    throw new XfnError(
      'APP_LOAD_FAILED',
      chosen
        ? `The entry ${resolve(dir, chosen)} does not exist. Check ${entryFlag ? '--entry' : `"entry" in ${configFile}`}.`
        : `No entry module in ${dir}: looked for ${defaultEntries.join(', ')}. Create src/index.ts, or pass --entry.`,
    )
  }
  const app = config.name ?? appName(dir)
  validateName(
    'app',
    app,
    `app name (from ${config.name ? `"name" in ${configFile}` : existsSync(resolve(dir, 'package.json')) ? 'package.json "name"' : 'the folder name'})`,
  )
  return { dir, entry, app, config }
}

function appName(dir: string): string {
  const packageFile = resolve(dir, 'package.json')
  if (existsSync(packageFile)) {
    const { name } = JSON.parse(readFileSync(packageFile, 'utf8')) as { name?: unknown }
    if (typeof name === 'string') return name.replace(/^@[^/]+\//, '')
  }
  return basename(dir)
}
