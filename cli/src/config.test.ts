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
    "unknown setting 'stgae'. Known: name, entry, stage, targets, env, stages, releases, aws, azure, knative.",
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

it("checks the app settings and each stage's, naming the one that is wrong", async () => {
  const config = await loadConfig(
    folderWith(
      "{ env: { CURRENCY: 'EUR', LOG_LEVEL: 'info' }, stages: { prod: { env: { CURRENCY: 'USD' } } } }",
    ),
  )
  expect(config.stages?.prod?.env).toEqual({ CURRENCY: 'USD' })
  const refused: [string, string][] = [
    ['{ env: { CURRENCY: 3 } }', "env.CURRENCY must be a string, not number; write it as text, such as '3'"],
    [
      "{ env: { 'my-setting': 'x' } }",
      "env.my-setting: a setting's name is letters, digits and '_', not starting with a digit",
    ],
    ["{ env: { AWS_REGION: 'x' } }", 'env.AWS_REGION: Lambda sets this name itself; choose another'],
    ["{ env: { WEBSITE_TIME_ZONE: 'x' } }", 'env.WEBSITE_TIME_ZONE: App Service sets this name itself'],
    ["{ env: { XFN_RESOURCES: 'x' } }", 'env.XFN_RESOURCES: xfn sets this name itself'],
    [`{ env: { BIG: '${'x'.repeat(4090)}' } }`, 'env takes 4100 bytes, over the 4096 bytes Lambda takes'],
    [
      '{ stages: { prod: { environment: {} } } }',
      'stages.prod.environment is not a setting of a stage; a stage takes env',
    ],
    ['{ stages: { prod: { env: { A: true } } } }', 'stages.prod.env.A must be a string, not boolean'],
  ]
  for (const [given, message] of refused)
    await expect(loadConfig(folderWith(given)), given).rejects.toThrow(`xfn.config.ts: ${message}`)
})

it('checks aws.vpc: subnet and security group ids, at least one of each', async () => {
  const config = await loadConfig(
    folderWith(
      "{ aws: { vpc: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-01234567'] } } }",
    ),
  )
  expect(config.aws?.vpc?.subnetIds).toEqual(['subnet-0123456789abcdef0'])
  await expect(
    loadConfig(folderWith("{ aws: { vpc: { subnetIds: [], securityGroupIds: ['sg-01234567'] } } }")),
  ).rejects.toThrow("'aws.vpc.subnetIds' must list one or more ids, such as ['subnet-0123456789abcdef0'].")
  await expect(
    loadConfig(
      folderWith("{ aws: { vpc: { subnetIds: ['subnet-01234567'], securityGroupIds: ['default'] } } }"),
    ),
  ).rejects.toThrow('\'aws.vpc.securityGroupIds\' has "default", which is not a sg- id.')
  await expect(loadConfig(folderWith('{ aws: { vpc: { subnets: [] } } }'))).rejects.toThrow(
    "'aws.vpc' takes subnetIds and securityGroupIds, not subnets.",
  )
})
