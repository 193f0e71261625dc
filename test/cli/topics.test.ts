import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, xfn, xfnAsync } from './helpers.js'

/**
 * Topics on the local cloud through the CLI, as a user runs them: deploy, publish, see each
 * subscription in `xfn status`, list a subscription's dead letters and re-drive them, invoke a
 * subscription with a test message.
 */
describe('topics on the local cloud, through the CLI', () => {
  const project = fileURLToPath(new URL(`../.tmp/topics-cli-${process.pid}`, import.meta.url))
  let url = ''
  beforeAll(async () => {
    rmSync(project, { recursive: true, force: true })
    mkdirSync(project, { recursive: true })
    cpSync(fileURLToPath(new URL('../conformance/apps/topics', import.meta.url)), project, {
      recursive: true,
      filter: (source) => !source.includes('.xfn'),
    })
    const result = await xfnAsync('deploy', project, '--port', '0')
    if (result.code !== 0) throw new Error(`deploy failed: ${result.stderr}`)
    expect(result.stdout).toMatch(/topic {3}order-placed \(its queue: order-placed\.audit\) {2}→ audit/)
    url = JSON.parse(xfn('status', project, '--json').stdout).url
  })
  afterAll(() => {
    xfn('destroy', project, '--yes')
    rmSync(project, { recursive: true, force: true })
  })

  const publish = (message: unknown, attributes?: Record<string, string>) =>
    fetch(`${url}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message, attributes }),
    })

  it('lists what a failing subscription gave up on, and re-drives it to that subscription alone', async () => {
    expect((await publish({ id: 'cli-1' }, { fail: 'yes' })).status).toBe(202)
    const dead = await eventually(() => {
      const listed = JSON.parse(
        xfn('queue', 'dlq', 'order-placed.flaky', '--project', project, '--json').stdout,
      )
      return listed.messages.length > 0 ? listed : undefined
    }, 15_000)
    expect(dead).toMatchObject({
      queue: 'order-placed.flaky-dlq',
      messages: [{ body: '{"id":"cli-1"}', attempt: 2 }],
    })
    const moved = xfn('queue', 'redrive', 'order-placed.flaky', '--project', project)
    expect(moved.stdout).toContain('Moved 1 message back to order-placed.flaky.')
    // It fails again (its attribute still says so), and comes back to the dead-letter queue alone.
    const again = await eventually(() => {
      const listed = JSON.parse(
        xfn('queue', 'dlq', 'order-placed.flaky', '--project', project, '--json').stdout,
      )
      return listed.messages.length > 0 ? listed : undefined
    }, 15_000)
    expect(again.messages).toHaveLength(1)
  })

  it('invokes one subscription with a test message', () => {
    const invoked = xfn('invoke', 'email', '--project', project, '--data', '{"id":"cli-2"}', '--json')
    expect(invoked.code, invoked.stderr).toBe(0)
  })

  it('refuses a message over the portable size at publish', async () => {
    const response = await publish('x'.repeat(256 * 1024 + 1))
    expect(response.status).toBe(500)
  })
})
