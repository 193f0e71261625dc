#!/usr/bin/env node
// Builds the page of `xfn console` (cli/ui/console.ts, Preact and htm) into
// cli/dist/console/app.js with esbuild, minified: part of `npm run build`, so the CLI package
// ships it and a user runs no build of their own.
import { build } from 'esbuild'

await build({
  entryPoints: [new URL('../ui/console.ts', import.meta.url).pathname],
  outfile: new URL('../dist/console/app.js', import.meta.url).pathname,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  logLevel: 'warning',
  legalComments: 'eof',
})
