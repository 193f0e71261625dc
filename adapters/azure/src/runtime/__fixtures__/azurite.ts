import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Azurite's well-known development account. */
const account = 'devstoreaccount1'
const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
const bin = fileURLToPath(new URL('../../../../../node_modules/.bin/azurite', import.meta.url))

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Starts the Azurite emulator (blob and queue) on 127.0.0.1, in a data folder of its own; with
 * `accounts` (name to base64 key), it serves those accounts instead of its well-known one.
 */
export async function startAzurite(
  accounts?: Readonly<Record<string, string>>,
): Promise<{ connectionString: string; blobOrigin: string; stop: () => Promise<void> }> {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()]
  const location = mkdtempSync(join(tmpdir(), 'xfn-azurite-'))
  const child: ChildProcess = spawn(
    bin,
    [
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--loose',
      '--location',
      location,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(blobPort),
      '--queueHost',
      '127.0.0.1',
      '--queuePort',
      String(queuePort),
      '--tableHost',
      '127.0.0.1',
      '--tablePort',
      String(tablePort),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: accounts
        ? {
            ...process.env,
            AZURITE_ACCOUNTS: Object.entries(accounts)
              .map(([name, accountKey]) => `${name}:${accountKey}`)
              .join(';'),
          }
        : process.env,
    },
  )
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  const deadline = Date.now() + 20_000
  while (
    !(
      output.includes(`listening at http://127.0.0.1:${blobPort}`) &&
      output.includes(`listening at http://127.0.0.1:${queuePort}`)
    )
  ) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Azurite did not start: ${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=http://127.0.0.1:${blobPort}/${account};QueueEndpoint=http://127.0.0.1:${queuePort}/${account};`,
    blobOrigin: `http://127.0.0.1:${blobPort}`,
    stop: async () => {
      child.kill()
      await new Promise((resolve) => child.once('exit', resolve))
      rmSync(location, { recursive: true, force: true })
    },
  }
}
