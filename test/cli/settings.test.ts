import { afterAll, describe, expect, it } from 'vitest'
import { copyOfApp, deployLocal, eventually, logs, testApp, xfn } from './helpers.js'

/*
 * An app's settings (env in xfn.config.ts, and its stage's) in process.env on the local cloud,
 * in HTTP and background functions alike; each cloud's deployer is tested against its fake.
 */
describe('settings on the local cloud', () => {
  const project = copyOfApp('settings', 'settings')
  afterAll(() => xfn('destroy', project, '--yes'))

  it("gives every function the app's settings, with its stage's over them", async () => {
    const deployed = await deployLocal(project)
    const response = await fetch(`${deployed.url}/settings`)
    expect(await response.json()).toEqual({ greeting: 'hello', currency: 'GBP' })
    const line = await eventually(
      () => logs(project, '--since', '5m').find((l) => l.message === 'settings in the background'),
      15_000,
      'the queue function',
    )
    expect(line.fields).toEqual({ currency: 'GBP' })
  })
})

describe('settings in xfn check', () => {
  it('says how much of the environment each stage takes', () => {
    const { code, stdout } = xfn('check', testApp('settings'))
    expect(code).toBe(0)
    expect(stdout).toContain(
      "Settings (env): dev 37 bytes, prod 37 bytes, of the 4096 bytes Lambda takes for a function's environment with xfn's own.",
    )
  })
})
