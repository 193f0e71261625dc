import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { expect, it } from 'vitest'

const sourceDir = new URL('.', import.meta.url).pathname

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : []
  })
}

it('@xfn/core imports nothing but its own modules and Node built-ins', () => {
  const imported = sourceFiles(sourceDir).flatMap((file) =>
    ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((i) => `${file}: ${i.fileName}`),
  )
  expect(imported.length).toBeGreaterThan(20)
  expect(imported.filter((line) => !/: (\.|node:)/.test(line))).toEqual([])
})
