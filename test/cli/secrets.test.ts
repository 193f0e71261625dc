import { spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bin, copyOfApp, eventually, logs, xfn, xfnAsync } from './helpers.js'

/** Runs the CLI with text on its standard input, as `printf %s "$VALUE" | xfn ...` does. */
function xfnWithInput(input: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Every file under a folder, but one, with its text. */
function filesUnder(dir: string, except: string): [string, string][] {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => path !== except && statSync(path).isFile())
    .map((path) => [path, readFileSync(path, 'latin1')])
}

describe('secrets on the local cloud, through the CLI', () => {
  const project = copyOfApp('secrets', 'secrets')
  const value = `whsec-${Date.now()}-Zoë`
  const printed: string[] = []
  afterAll(() => xfn('destroy', project, '--yes'))

  it('stops a deploy whose secret has no value, with the command that sets it', async () => {
    const refused = await xfnAsync('deploy', project, '--port', '0')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain(
      "The app reads secret('webhook-signing-key'), which has no value on the local cloud.",
    )
    expect(refused.stderr).toMatch(/ secret set --project test\/.tmp\/secrets-\d+ webhook-signing-key/)
  })

  it('sets it from standard input, lists it without its value, and a function reads it', async () => {
    const set = xfnWithInput(`${value}\n`, 'secret', 'set', 'webhook-signing-key', '--project', project)
    expect(set.code, set.stderr).toBe(0)
    printed.push(set.stdout, set.stderr)
    expect(statSync(join(project, '.xfn/secrets.json')).mode & 0o777).toBe(0o600)
    const listed = xfn('secret', 'list', '--project', project, '--json')
    printed.push(listed.stdout)
    expect(JSON.parse(listed.stdout)).toEqual({
      cloud: 'local',
      secrets: [{ name: 'webhook-signing-key', changedAt: expect.stringMatching(/^\d{4}-/) }],
    })

    const deployed = await xfnAsync('deploy', project, '--port', '0', '--json')
    expect(deployed.code, deployed.stderr).toBe(0)
    printed.push(deployed.stdout, deployed.stderr)
    const { url } = JSON.parse(deployed.stdout) as { url: string }
    const response = await fetch(`${url}/sign`, { method: 'POST', body: 'payload' })
    expect(await response.json()).toEqual({
      signature: createHmac('sha256', value).update('payload').digest('hex'),
    })
    await eventually(() => logs(project).some((l) => l.message === 'signed a webhook'), 10_000)
  })

  it('leaves the value nowhere but the secrets file: not in the build, the state, the logs or any output', () => {
    printed.push(
      xfn('status', project).stdout,
      xfn('logs', '--project', project).stdout,
      xfn('logs', '--project', project, '--json').stdout,
      xfn('metrics', '--project', project).stdout,
    )
    const secretsFile = join(project, '.xfn/secrets.json')
    const files = filesUnder(join(project, '.xfn'), secretsFile)
    expect(files.length).toBeGreaterThan(5)
    const needles = [value, Buffer.from(value).toString('latin1'), Buffer.from(value).toString('base64')]
    const found = [
      ...files.filter(([, text]) => needles.some((n) => text.includes(n))).map(([path]) => path),
      ...printed.filter((text) => text.includes(value)).map((text) => `output: ${text.slice(0, 80)}`),
    ]
    expect(found).toEqual([])
    expect(readFileSync(secretsFile, 'utf8')).toContain(value)
  })

  it('keeps secrets when the local cloud is destroyed, and removes one when asked', () => {
    expect(xfn('destroy', project, '--yes').code).toBe(0)
    expect(JSON.parse(xfn('secret', 'list', '--project', project, '--json').stdout).secrets).toHaveLength(1)
    expect(xfn('secret', 'rm', 'webhook-signing-key', '--project', project).stdout).toContain(
      "Removed secret 'webhook-signing-key' from local.",
    )
    expect(xfn('secret', 'list', '--project', project).stdout).toContain('No secrets on local.')
  })

  it('refuses an empty value and a bad name, and never takes a value as an argument', () => {
    expect(xfnWithInput('', 'secret', 'set', 'webhook-signing-key', '--project', project).stderr).toContain(
      "No value for secret 'webhook-signing-key': pipe it in",
    )
    expect(xfnWithInput('x', 'secret', 'set', 'Bad_Name', '--project', project).stderr).toContain(
      "'Bad_Name' is not a valid secret name",
    )
    expect(
      xfnWithInput('x', 'secret', 'set', 'webhook-signing-key', 'the-value', '--project', project).stderr,
    ).toMatch(/Unexpected argument: the-value/)
  })
})
