import { XfnError, xfnCommand } from './errors.js'
import { validateName } from './names.js'

/*
 * Secrets: declared in code, read at run time, never in the build or the deploy. A function lists
 * the secrets it reads in `uses`, as it lists queues; each cloud keeps the values in its own
 * store (`xfn secret set` writes them), and an instance reads one on first use and again after
 * `secretRefreshMs`, so a rotated value is picked up without a redeploy.
 */

export interface SecretSpec {
  readonly name: string
}

/** What reads secrets: a runtime's resource provider. */
interface SecretReader {
  getSecret?(secret: SecretSpec): Promise<string | undefined>
}

/** Where an app's secrets are declared, and the provider that reads them once a runtime installs one. */
interface SecretTable {
  readonly secrets: Map<string, SecretSpec>
  readonly provider: SecretReader | undefined
}

export interface Secret extends SecretSpec {
  readonly kind: 'secret'
  /** The secret's value, read from the cloud's store on first use and again once a minute. */
  value(): Promise<string>
}

/** How long an instance keeps a secret's value before it reads it again. */
export const secretRefreshMs = 60_000

/** Declares a secret, or returns the declaration already made under that name. */
export function declareSecret(table: SecretTable, name: string): SecretSpec {
  if (process.env.XFN_PREVALIDATED !== 'true') validateName('secret', name, `secret('${String(name)}')`)
  const existing = table.secrets.get(name)
  if (existing) return existing
  const spec: SecretSpec = { name }
  table.secrets.set(name, spec)
  return spec
}

const handles = new WeakMap<SecretSpec, Secret>()

/** Declares a secret and returns its handle. */
export function secretHandle(table: SecretTable, name: string): Secret {
  const spec = declareSecret(table, name)
  const cached = handles.get(spec)
  if (cached) return cached
  const where = `secret('${name}').value()`
  const created: Secret = {
    kind: 'secret',
    ...spec,
    value: async () => {
      const provider = table.provider
      if (!provider)
        throw new XfnError(
          'NO_RUNTIME',
          `${where} was called outside an xfn runtime, so there is no cloud to read it from. Call it from a handler, or in tests give the value to createTestHarness({ secrets: { '${name}': '...' } }).`,
        )
      const value = await readerOf(provider, name)(spec)
      if (value === undefined)
        throw new XfnError(
          'INVALID_OPTIONS',
          `${where}: the secret has no value here. Set it with: xfn secret set ${name} (with the --cloud and --stage of this deploy), which reads the value from standard input.`,
        )
      return value
    },
  }
  handles.set(spec, created)
  return created
}

/**
 * A secret reader that keeps each value it read for `secretRefreshMs`, shared by concurrent
 * calls; a failed read is not kept, so the next call tries again. The guard of every runtime
 * wraps its provider's reader in one, after checking the caller may read the secret.
 */
export function cachedReader(
  read: (secret: SecretSpec) => Promise<string | undefined>,
  now: () => number = Date.now,
): (secret: SecretSpec) => Promise<string | undefined> {
  const held = new Map<string, { value: Promise<string | undefined>; until: number }>()
  return (secret) => {
    const kept = held.get(secret.name)
    if (kept && now() < kept.until) return kept.value
    const value = read(secret)
    held.set(secret.name, { value, until: now() + secretRefreshMs })
    value.then(
      (found) => {
        // Nothing to keep: a value set a moment later is read at the next call.
        if (found === undefined && held.get(secret.name)?.value === value) held.delete(secret.name)
      },
      () => {
        if (held.get(secret.name)?.value === value) held.delete(secret.name)
      },
    )
    return value
  }
}

/** A provider's secret reader, or an error that says this runtime has no secrets. */
export function readerOf(provider: SecretReader, name: string): NonNullable<SecretReader['getSecret']> {
  const read = provider.getSecret?.bind(provider)
  if (read) return read
  throw new XfnError(
    'NOT_PORTABLE',
    `secret('${name}').value(): the runtime this function runs in has no secrets; run the app on the local cloud, AWS or Azure, where secrets work.`,
  )
}

/**
 * The error of a deploy whose app reads secrets without a value `place` (such as 'on the local
 * cloud'), with the command that sets each; `flags` name the target, as `--cloud aws --stage dev`.
 */
export function secretsWithoutValue(
  names: readonly string[],
  place: string,
  flags: readonly string[] = [],
): XfnError {
  const commands = names.map((name) => xfnCommand('secret', 'set', name, ...flags))
  const one = names.length === 1
  return new XfnError(
    'INVALID_OPTIONS',
    `The app reads ${names.map((n) => `secret('${n}')`).join(', ')}, which ${one ? 'has' : 'have'} no value ${place}. Set ${one ? 'it' : 'each'} (the value is read from standard input), then deploy again: ${commands.join('  ')}`,
    { commands },
  )
}
