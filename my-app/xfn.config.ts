import { defineConfig } from 'xfn'

export default defineConfig({
  entry: 'src/index.ts',
  // The stage of `xfn deploy --cloud aws` when --stage is not given.
  stage: 'dev',
})
