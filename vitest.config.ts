import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{core,bundler,cli,adapters,examples,test}/**/*.test.ts'],
    // test/.tmp holds copies of apps that tests make (with the apps' own tests), not tests of xfn.
    exclude: ['**/node_modules/**', '**/dist/**', 'test/.tmp/**'],
    testTimeout: 60_000,
    env: { TZ: 'UTC' },
  },
  resolve: {
    // Tests run on the TypeScript sources of the workspace packages, not on their builds.
    alias: [
      { find: /^@xfn\/core$/, replacement: new URL('./core/src/index.ts', import.meta.url).pathname },
      {
        find: /^@xfn\/core\/testing$/,
        replacement: new URL('./core/src/testing/index.ts', import.meta.url).pathname,
      },
      {
        find: /^@xfn\/aws\/runtime$/,
        replacement: new URL('./adapters/aws/src/runtime/index.ts', import.meta.url).pathname,
      },
      {
        find: /^@xfn\/azure\/runtime$/,
        replacement: new URL('./adapters/azure/src/runtime/index.ts', import.meta.url).pathname,
      },
      {
        find: /^@xfn\/knative\/runtime$/,
        replacement: new URL('./adapters/knative/src/runtime/index.ts', import.meta.url).pathname,
      },
      {
        find: /^@xfn\/local$/,
        replacement: new URL('./adapters/local/src/index.ts', import.meta.url).pathname,
      },
      ...['aws', 'azure', 'local', 'knative'].map((adapter) => ({
        find: new RegExp(`^@xfn/${adapter}/target$`),
        replacement: new URL(`./adapters/${adapter}/src/target.ts`, import.meta.url).pathname,
      })),
      { find: /^@xfn\/bundler$/, replacement: new URL('./bundler/src/index.ts', import.meta.url).pathname },
      {
        find: /^@xfn\/core\/portability$/,
        replacement: new URL('./core/src/portability.ts', import.meta.url).pathname,
      },
    ],
  },
})
