#!/usr/bin/env node
// Writes cli/oclif.manifest.json from the built commands (part of `npm run build`). With it, oclif
// lists commands and prints help without importing any command module; without it, every
// `xfn` start imports all of them. `--check` only compares and exits 1 when the file is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Plugin } from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const file = `${root}oclif.manifest.json`
const plugin = new Plugin({
  root,
  type: 'core',
  isRoot: true,
  ignoreManifest: true,
  errorOnManifestCreate: true,
})
await plugin.load()
const text = `${JSON.stringify(plugin.manifest, null, 2)}\n`
if (process.argv.includes('--check')) {
  let current = ''
  try {
    current = readFileSync(file, 'utf8')
  } catch {}
  if (current !== text) {
    console.error(`${file} does not match the built commands. Run: npm run build`)
    process.exit(1)
  }
} else writeFileSync(file, text)
