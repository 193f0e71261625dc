import { defineConfig } from '@xfn/cli'

export default defineConfig({
  stage: 'dev',
  env: { GREETING: 'hello', CURRENCY: 'EUR' },
  stages: { dev: { env: { CURRENCY: 'GBP' } }, prod: { env: { CURRENCY: 'USD' } } },
})
