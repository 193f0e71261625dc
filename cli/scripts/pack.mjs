#!/usr/bin/env node
// Writes a tarball of every xfn package to packs/ (npm run pack), for `xfn init --from packs`.
import { fileURLToPath } from 'node:url'
import { packWorkspace } from '../dist/init/packages.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
for (const file of packWorkspace(root)) console.log(file)
