import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { loadConfig } from './config.js'

function folderWith(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'xfn-config-'))
  writeFileSync(
    join(dir, 'xfn.config.ts'),
    `import { defineConfig } from '@xfn/cli'\nexport default defineConfig(${config})\n`,
  )
  return dir
}

it('loads xfn.config.ts, typed by defineConfig', async () => {
  const config = await loadConfig(
    folderWith(
      "{ stage: 'prod', aws: { region: 'eu-west-1', api: 'rest', usagePlan: { rateLimit: 5, quota: { limit: 10, period: 'DAY' } } } }",
    ),
  )
  expect(config).toEqual({
    stage: 'prod',
    aws: {
      region: 'eu-west-1',
      api: 'rest',
      usagePlan: { rateLimit: 5, quota: { limit: 10, period: 'DAY' } },
    },
  })
  expect(await loadConfig(mkdtempSync(join(tmpdir(), 'xfn-none-')))).toEqual({})
})

it('names the file and the setting that is wrong', async () => {
  await expect(loadConfig(folderWith("{ stgae: 'prod' }"))).rejects.toThrow(
    "unknown setting 'stgae'. Known: name, entry, stage, targets, aws, azure.",
  )
  await expect(loadConfig(folderWith("{ aws: { api: 'graphql' } }"))).rejects.toThrow(
    "'aws.api' must be 'http' or 'rest', not 'graphql'.",
  )
  await expect(
    loadConfig(folderWith("{ aws: { usagePlan: { quota: { limit: 1, period: 'YEAR' } } } }")),
  ).rejects.toThrow(
    "'aws.usagePlan.quota' must be { limit: <whole number>, period: 'DAY' | 'WEEK' | 'MONTH' }.",
  )
  await expect(loadConfig(folderWith("{ azure: { plan: 'premium' } }"))).rejects.toThrow(
    "'azure.plan' must be 'flex' or 'consumption', not 'premium'.",
  )
  await expect(loadConfig(folderWith("{ azure: { instanceMemoryMB: '2048' } }"))).rejects.toThrow(
    "'azure.instanceMemoryMB' must be a number.",
  )
})
