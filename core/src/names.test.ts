import { describe, expect, it } from 'vitest'
import { awsNames, azureNames, localNames, validateName } from './names.js'

const longest = { app: `a${'b'.repeat(19)}`, stage: `s${'1'.repeat(9)}` }
const longName = (length: number) => `q${'x'.repeat(length - 1)}`

describe('physical names', () => {
  it('stay valid on AWS at the longest logical names', () => {
    const names = awsNames(longest, { accountId: '123456789012', region: 'eu-west-1' })
    expect(names.function(`F${'n'.repeat(31)}`)).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
    expect(names.queue(longName(36), true)).toMatch(/^[A-Za-z0-9_-]{1,75}\.fifo$/)
    expect(names.deadLetterQueue(longName(36), true).length).toBeLessThanOrEqual(80)
    const bucket = names.bucket(longName(22))
    expect(bucket).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/)
    expect(bucket).not.toMatch(/^xn--|-s3alias$|--ol-s3$/)
    // SNS topic names: up to 256 letters, digits, '-' and '_'.
    expect(names.topic(longName(36))).toMatch(/^[A-Za-z0-9_-]{1,256}$/)
    const subscription = names.subscriptionQueue(longName(36), `F${'n'.repeat(31)}`)
    expect(`${subscription}-dlq`).toMatch(/^[A-Za-z0-9_-]{1,80}$/)
    expect(names.subscriptionQueue(longName(36), `F${'m'.repeat(31)}`)).not.toBe(subscription)
    expect(
      awsNames({ app: 'shop', stage: 'dev' }, { accountId: '1', region: 'x' }).subscriptionQueue(
        'order-placed',
        'email',
      ),
    ).toBe('shop-dev-order-placed--email')
  })

  it('make S3 bucket names unique per account and region, and the same on every run', () => {
    const target = { app: 'orders', stage: 'dev' }
    const a = awsNames(target, { accountId: '1', region: 'eu-west-1' }).bucket('receipts')
    expect(awsNames(target, { accountId: '1', region: 'eu-west-1' }).bucket('receipts')).toBe(a)
    expect(awsNames(target, { accountId: '2', region: 'eu-west-1' }).bucket('receipts')).not.toBe(a)
  })

  it('stay valid on Azure at the longest logical names', () => {
    const names = azureNames(longest, { subscriptionId: '00000000-0000-0000-0000-000000000000' })
    expect(names.storageAccount).toMatch(/^[a-z0-9]{3,24}$/)
    expect(names.functionApp).toMatch(/^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$/)
    expect(names.resourceGroup.length).toBeLessThanOrEqual(90)
    const azureStorageName = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/
    expect(names.poisonQueue(longName(36))).toMatch(azureStorageName)
    expect(names.container(longName(22))).toMatch(azureStorageName)
  })

  it('are the logical names on the local cloud', () => {
    expect(localNames({ app: 'orders', stage: 'dev' }).queue('orders')).toBe('orders')
  })

  it('refuse an app name that cannot prefix them', () => {
    expect(() => awsNames({ app: 'Orders', stage: 'dev' }, { accountId: '1', region: 'x' })).toThrow(
      /'Orders' is not a valid app name/,
    )
    expect(() => validateName('stage', 'prod-1', 'stage')).toThrow(/not a valid stage name/)
  })
})
