import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

/**
 * The shape the code keeps: no module imports itself back through others (type imports count,
 * since they tie the modules' designs together too), no command of the CLI names a target, and
 * what runs in a deployed function never reaches the build tools.
 */
const root = fileURLToPath(new URL('..', import.meta.url))
const sources = execFileSync('git', ['ls-files', 'core/src', 'bundler/src', 'adapters/*/src', 'cli/src'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => /\.ts$/.test(file) && !file.endsWith('.test.ts') && !file.includes('__fixtures__'))

/** The repository's own modules a source file imports or re-exports, by path from the root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  return [...text.matchAll(/(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"](\.[^'"]+)['"]/g)]
    .map((m) => relative(root, resolve(dirname(join(root, file)), (m[1] ?? '').replace(/\.js$/, '.ts'))))
    .filter((target) => existsSync(join(root, target)))
}

it('has no import cycles', () => {
  const graph = new Map(sources.map((file) => [file, importsOf(file)]))
  const cycles: string[] = []
  const path: string[] = []
  const onPath = new Set<string>()
  const done = new Set<string>()
  const visit = (file: string) => {
    path.push(file)
    onPath.add(file)
    for (const next of graph.get(file) ?? []) {
      if (onPath.has(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(' → '))
      else if (!done.has(next) && graph.has(next)) visit(next)
    }
    path.pop()
    onPath.delete(file)
    done.add(file)
  }
  for (const file of graph.keys()) if (!done.has(file)) visit(file)
  expect(sources.length).toBeGreaterThan(50)
  expect(cycles).toEqual([])
})

it('keeps target names out of the CLI commands, which find targets through the registry', () => {
  const commands = sources.filter((file) => file.startsWith('cli/src/commands/'))
  const naming = commands.filter((file) => /'(aws|azure|local)'/.test(readFileSync(join(root, file), 'utf8')))
  expect(commands.length).toBeGreaterThan(5)
  expect(naming).toEqual([])
})

it('keeps the build tools out of everything a deployed function imports', () => {
  const entries = [
    'core/src/index.ts',
    'adapters/aws/src/runtime/index.ts',
    'adapters/azure/src/runtime/index.ts',
  ]
  const reached = new Set<string>()
  const visit = (file: string) => {
    if (reached.has(file)) return
    reached.add(file)
    for (const next of importsOf(file)) visit(next)
  }
  for (const entry of entries) visit(entry)
  const building = [...reached].filter((file) =>
    /from\s+['"](@xfn\/bundler|esbuild|fflate)['"]/.test(readFileSync(join(root, file), 'utf8')),
  )
  expect(reached.size).toBeGreaterThan(30)
  expect(building).toEqual([])
  // The check itself finds such an import: the targets' builds have one.
  expect(readFileSync(join(root, 'adapters/aws/src/build/index.ts'), 'utf8')).toMatch(/from '@xfn\/bundler'/)
})
