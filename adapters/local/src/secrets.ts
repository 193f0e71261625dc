import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { XfnError } from '@xfn/core'

/*
 * The local cloud's secrets: one file, `.xfn/secrets.json`, readable and writable by its owner
 * alone (0600), outside `.xfn/local/` so that `xfn destroy` keeps them. Values are read by the
 * sandboxes when a function asks, and never printed: listing gives names and times.
 */

interface Stored {
  readonly value: string
  readonly changedAt: string
}

export const secretsFile = (projectDir: string) => join(projectDir, '.xfn', 'secrets.json')

export function readSecrets(file: string): Record<string, Stored> {
  if (!existsSync(file)) return {}
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Stored>
  } catch {
    throw new XfnError(
      'INVALID_OPTIONS',
      `The local secrets file ${file} is damaged. Delete it and set the secrets again with: xfn secret set <name>.`,
    )
  }
}

function writeSecrets(file: string, secrets: Record<string, Stored>): void {
  mkdirSync(dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 })
  chmodSync(temporary, 0o600)
  renameSync(temporary, file)
}

export function setSecret(file: string, name: string, value: string, now = new Date()): void {
  writeSecrets(file, { ...readSecrets(file), [name]: { value, changedAt: now.toISOString() } })
}

export function removeSecret(file: string, name: string): boolean {
  const secrets = readSecrets(file)
  if (!(name in secrets)) return false
  delete secrets[name]
  writeSecrets(file, secrets)
  return true
}

export function listSecrets(file: string) {
  return Object.entries(readSecrets(file))
    .map(([name, { changedAt }]) => ({ name, changedAt }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}
