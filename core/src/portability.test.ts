import { describe, expect, it } from 'vitest'
import { registerEveryKind } from './__fixtures__/every-kind.js'
import { createApp } from './app.js'
import { toManifest } from './manifest.js'
import { checkPortability } from './portability.js'

const noop = () => undefined

function reportFor(
  register: (made: ReturnType<typeof createApp>) => void,
  clouds?: ('aws' | 'azure' | 'local')[],
) {
  const made = createApp()
  register(made)
  return checkPortability(toManifest(made.registry, { app: 'test' }), clouds)
}

describe('the portability report', () => {
  it('refuses a timeout over 600 s on Linux Consumption only, where the host would not start', () => {
    const made = createApp()
    made.app.queue('long', { queue: 'jobs', timeoutSeconds: 900 }, noop)
    const manifest = toManifest(made.registry, { app: 'test' })
    const errors = (plan?: 'flex' | 'consumption') =>
      checkPortability(manifest, ['azure'], { azurePlan: plan }).findings.filter(
        (f) => f.severity === 'error',
      )
    expect(errors('consumption')).toEqual([
      expect.objectContaining({
        subject: "function 'long'",
        message: expect.stringMatching(/timeoutSeconds of 900 is over the 600 s .* azure\.plan 'flex'/),
      }),
    ])
    expect(errors('flex')).toEqual([])
    expect(errors()).toEqual([])
  })

  it('finds an app with one function of each kind portable everywhere', () => {
    const report = reportFor(registerEveryKind)
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(report.portableTo).toEqual(['aws', 'azure', 'local'])
    expect(report.functions.find((f) => f.name === 'nightly')?.clouds).toEqual({
      aws: { ok: true, detail: 'cron(0 2 * * ? *)' },
      azure: { ok: true, detail: '0 0 2 * * *' },
      local: { ok: true, detail: 'ok' },
    })
    expect(report.limits.queueMessageBytes).toBe(48 * 1024)
  })

  it.each([
    [
      'different maxAttempts on Azure',
      ({ app, queue }: ReturnType<typeof createApp>) => {
        app.queue('a', { queue: queue('one', { maxAttempts: 3, visibilityTimeoutSeconds: 300 }) }, noop)
        app.queue('b', { queue: queue('two', { maxAttempts: 5, visibilityTimeoutSeconds: 300 }) }, noop)
      },
      'azure',
      /one maxDequeueCount for all its queues/,
    ],
    [
      'a FIFO queue on Azure',
      ({ queue }: ReturnType<typeof createApp>) => {
        queue('ordered', { fifo: true })
      },
      'azure',
      /do not keep messages in order/,
    ],
    [
      'overlapping S3 notifications on AWS',
      ({ app }: ReturnType<typeof createApp>) => {
        app.blob('all', { bucket: 'files' }, noop)
        app.blob('images', { bucket: 'files', prefix: 'img/' }, noop)
      },
      'aws',
      /prefixes and suffixes overlap/,
    ],
    [
      'a sub-minute timer on AWS',
      ({ app }: ReturnType<typeof createApp>) => {
        app.timer('fast', { schedule: '*/10 * * * * *' }, noop)
      },
      'aws',
      /no seconds field/,
    ],
    [
      'a day-of-month or day-of-week timer on AWS',
      ({ app }: ReturnType<typeof createApp>) => {
        app.timer('either', { schedule: '0 0 1 * 1' }, noop)
      },
      'aws',
      /restrict both the day of the month and the day of the week/,
    ],
    [
      'an interval NCRONTAB cannot express on Azure',
      ({ app }: ReturnType<typeof createApp>) => {
        app.timer('odd', { every: '7 minutes' }, noop)
      },
      'azure',
      /must divide a minute, an hour or a day evenly/,
    ],
    [
      'a queue named like the dead-letter queue of another on Azure',
      ({ queue }: ReturnType<typeof createApp>) => {
        queue('orders')
        queue('orders-poison')
      },
      'azure',
      /dead-letter queue on azure is named 'orders-poison'/,
    ],
  ])('reports %s', (_title, register, cloud, message) => {
    const report = reportFor(register)
    const errors = report.findings.filter((f) => f.severity === 'error' && f.cloud === cloud)
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toMatch(message)
    expect(report.portableTo).not.toContain(cloud)
    expect(report.portableTo).toContain('local')
  })

  it('warns that the AWS deploy raises a short visibility timeout to 6 times the consumer timeout', () => {
    const report = reportFor(({ app, queue }) =>
      app.queue('slow', { queue: queue('jobs', { visibilityTimeoutSeconds: 10 }), timeoutSeconds: 60 }, noop),
    )
    expect(report.findings).toEqual([
      expect.objectContaining({
        cloud: 'aws',
        severity: 'warning',
        message: expect.stringMatching(
          /raises its visibility timeout from 10 s to 360 s, 6 times the timeout of its consumer 'slow'/,
        ),
      }),
    ])
    expect(report.portableTo).toContain('aws')
  })

  it('reports only the clouds asked about', () => {
    const report = reportFor(({ app }) => app.timer('odd', { every: '7 minutes' }, noop), ['aws'])
    expect(report.findings).toEqual([])
    expect(report.portableTo).toEqual(['aws'])
    expect(report.limits.queueMessageBytes).toBe(256 * 1024)
  })

  it('warns where a setting is shared by a whole Azure Function App', () => {
    const report = reportFor(({ app }) => {
      app.http('small', { route: '/a', memoryMb: 256 }, noop)
      app.http('large', { route: '/b', memoryMb: 1024, timeoutSeconds: 300 }, noop)
    })
    expect(report.portableTo).toEqual(['aws', 'azure', 'local'])
    expect(report.findings.map((f) => f.message)).toEqual([
      expect.stringMatching(/ends HTTP requests after 230 s/),
      expect.stringMatching(/the largest \(1024 MB\) applies to all/),
    ])
  })
})

describe('queue message limits', () => {
  it('refuse a message over the cloud limit before sending, naming both limits', async () => {
    const { checkMessageSize } = await import('./resources.js')
    expect(() => checkMessageSize('orders', 'x'.repeat(48 * 1024), 'azure')).not.toThrow()
    expect(() => checkMessageSize('orders', 'x'.repeat(48 * 1024 + 1), 'azure')).toThrow(
      "queue('orders').send(): the message is 49153 bytes, over the limit of 48 KiB on azure",
    )
    // The local cloud takes the portable limit; bytes are counted, not characters.
    expect(() => checkMessageSize('orders', 'é'.repeat(24 * 1024 + 1), 'local')).toThrow(
      /49154 bytes, over the limit of 48 KiB on local/,
    )
    expect(() => checkMessageSize('orders', 'x'.repeat(200 * 1024), 'aws')).not.toThrow()
  })
})
