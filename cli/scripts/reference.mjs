#!/usr/bin/env node
// Writes docs/commands.md from the CLI's metadata: npm run docs.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { commandReference } from '../dist/reference.js'

const cli = fileURLToPath(new URL('..', import.meta.url))
const target = fileURLToPath(new URL('../../docs/commands.md', import.meta.url))
writeFileSync(target, await commandReference(cli))
console.log(`wrote ${target}`)
