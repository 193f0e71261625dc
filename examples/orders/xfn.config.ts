import { defineConfig } from '@xfn/cli'

export default defineConfig({
  // Settings every function sees in process.env; a stage's own win.
  env: { CURRENCY: 'EUR' },
  stages: { prod: { env: { CURRENCY: 'USD' } } },
})
