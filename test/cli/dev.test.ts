import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bin, copyOfApp, eventually } from './helpers.js'

describe('xfn dev', () => {
  let project: string
  let child: ChildProcess
  let output = ''
  let url = ''

  beforeAll(async () => {
    project = copyOfApp('local-e2e', 'dev')
    child = spawn(process.execPath, [bin, 'dev', project, '--port', '0', '--console'], {
      env: { ...process.env, NO_COLOR: '1' },
    })
    child.stdout?.on('data', (chunk) => {
      output += chunk
    })
    child.stderr?.on('data', (chunk) => {
      output += chunk
    })
    url = await eventually(() => /http:\/\/127\.0\.0\.1:\d+/.exec(output)?.[0], 20_000, 'xfn dev to serve')
  })

  afterAll(async () => {
    child.kill('SIGINT')
    await new Promise((resolve) => child.once('exit', resolve))
    rmSync(project, { recursive: true, force: true })
  })

  it('serves the app in the foreground', async () => {
    const response = await fetch(`${url}/size`, { method: 'POST', body: 'abc' })
    expect(await response.json()).toEqual({ bytes: 3 })
  })

  it('offers the console of the cloud it runs, behind its token', async () => {
    const consoleUrl = await eventually(
      () => /Console: (http:\/\/\S+)/.exec(output)?.[1],
      10_000,
      'the console URL',
    )
    const entered = await fetch(consoleUrl, { redirect: 'manual' })
    const cookie = (entered.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const overview = await fetch(`${new URL(consoleUrl).origin}/api/overview`, { headers: { cookie } })
    expect(overview.status).toBe(200)
    expect(await overview.json()).toMatchObject({ cloud: 'local', running: true })
  })

  it('reloads a changed function without losing queued messages', async () => {
    const source = join(project, 'src/index.ts')
    // A slow message is being handled while the code changes.
    const key = readFileSync(join(project, '.xfn/local/api-key'), 'utf8').trim()
    await fetch(`${url}/jobs`, {
      method: 'POST',
      body: JSON.stringify({ name: 'across-reload', delayMs: 300 }),
      headers: { 'x-api-key': key },
    })
    writeFileSync(
      source,
      readFileSync(source, 'utf8').replace(
        '{ bytes: (await request.arrayBuffer()).byteLength }',
        '{ bytes: (await request.arrayBuffer()).byteLength, reloaded: true }',
      ),
    )
    const reloaded = await eventually(() => /Reloaded in (\d+) ms/.exec(output)?.[1], 20_000, 'a reload')
    console.log(`xfn dev reloaded in ${reloaded} ms`)
    const response = await fetch(`${url}/size`, { method: 'POST', body: 'abcd' })
    expect(await response.json()).toEqual({ bytes: 4, reloaded: true })
    const done = await eventually(
      async () => {
        const file = await fetch(`${url}/files/done/across-reload.txt`)
        return file.status === 200 ? file.text() : undefined
      },
      15_000,
      'the message queued before the reload',
    )
    expect(done).toMatch(/^done on attempt \d$/)
  })

  it('keeps the last good build when a change does not compile', async () => {
    const source = join(project, 'src/index.ts')
    const good = readFileSync(source, 'utf8')
    writeFileSync(source, `${good}\nconst broken = {\n`)
    await eventually(
      () => output.includes('Reload failed; the previous build keeps running.'),
      20_000,
      'the failed reload',
    )
    expect((await fetch(`${url}/size`, { method: 'POST', body: 'ab' })).status).toBe(200)
    writeFileSync(source, good)
  })

  it('answers every request on kept-alive connections while saves reload the app', async () => {
    const source = join(project, 'src/index.ts')
    const original = readFileSync(source, 'utf8')
    const failures: string[] = []
    let answered = 0
    for (let save = 1; save <= 8; save++) {
      writeFileSync(
        source,
        `${original}
// save ${save}
`,
      )
      const reloads = output.split('Reloaded in').length
      // Requests one after another, each on a connection the last one kept alive, until the
      // reload is done: a connection a draining sandbox hands on must arrive with its requests.
      while (output.split('Reloaded in').length === reloads) {
        try {
          const response = await fetch(`${url}/size`, { method: 'POST', body: 'abc' })
          if (response.status === 200) answered++
          else failures.push(`status ${response.status}`)
          await response.arrayBuffer()
        } catch (error) {
          failures.push(String((error as { cause?: { code?: string } }).cause?.code ?? error))
        }
      }
    }
    writeFileSync(source, original)
    expect(failures).toEqual([])
    expect(answered).toBeGreaterThan(8)
  }, 60_000)
})
