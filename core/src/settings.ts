/*
 * An app's settings: plain values every function sees in `process.env`, on every cloud, given in
 * xfn.config.ts for the app (`env`) and per stage (`stages.<stage>.env`, which wins). They are
 * not secrets: they are stored as the clouds store configuration (Lambda environment variables,
 * Function App settings), readable by whoever can read the function's configuration.
 *
 * The portable limits are the smallest of the clouds': Lambda takes 4 KB of environment variables
 * in all, counted as the JSON of the names and values, xfn's own included; names are letters,
 * digits and '_', not starting with a digit (what every shell and both clouds take); and names
 * the clouds or xfn set themselves are refused, so a setting never hides one of theirs.
 */

/** Lambda's limit on a function's environment variables, all of them, in bytes of their JSON. */
export const environmentLimitBytes = 4096

const settingName = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Names the clouds' runtimes or xfn set, by the prefix that marks them, with whose they are. */
const reserved: readonly (readonly [RegExp, string])[] = [
  [/^AWS_/i, 'Lambda'],
  [/^LAMBDA_/i, 'Lambda'],
  [/^(_HANDLER|_X_AMZN_TRACE_ID)$/i, 'Lambda'],
  [/^NODE_OPTIONS$/i, 'xfn (source maps)'],
  [/^FUNCTIONS_/i, 'Azure Functions'],
  [/^AzureWebJobs/i, 'Azure Functions'],
  [/^WEBSITE_/i, 'App Service'],
  [/^(APPLICATIONINSIGHTS_|APPINSIGHTS_|SCM_|DEPLOYMENT_STORAGE_)/i, 'Azure'],
  [/^XFN_/i, 'xfn'],
]

/** What is wrong with an `env` object of xfn.config.ts, named `where`; undefined when nothing is. */
export function checkSettings(value: unknown, where: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `${where} must be an object of setting names and their string values, such as { CURRENCY: 'EUR' }`
  for (const [name, setting] of Object.entries(value)) {
    if (!settingName.test(name))
      return `${where}.${name}: a setting's name is letters, digits and '_', not starting with a digit`
    const owner = reserved.find(([pattern]) => pattern.test(name))?.[1]
    if (owner) return `${where}.${name}: ${owner} sets this name itself; choose another`
    if (typeof setting !== 'string')
      return `${where}.${name} must be a string, not ${Array.isArray(setting) ? 'an array' : typeof setting}; write it as text, such as '${String(setting)}'`
  }
  const bytes = environmentBytes(value as Record<string, string>)
  if (bytes > environmentLimitBytes)
    return `${where} takes ${bytes} bytes, over the ${environmentLimitBytes} bytes Lambda takes for all of a function's environment; keep large values in a bucket`
  return undefined
}

/** What is wrong with the `stages` object of xfn.config.ts; undefined when nothing is. */
export function checkStageSettings(value: unknown, where: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `${where} must be an object of stages, such as { prod: { env: { CURRENCY: 'USD' } } }`
  for (const [stage, settings] of Object.entries(value)) {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings))
      return `${where}.${stage} must be an object, such as { env: { CURRENCY: 'USD' } }`
    for (const key of Object.keys(settings))
      if (key !== 'env') return `${where}.${stage}.${key} is not a setting of a stage; a stage takes env`
    const env = (settings as { env?: unknown }).env
    if (env !== undefined) {
      const problem = checkSettings(env, `${where}.${stage}.env`)
      if (problem) return problem
    }
  }
  return undefined
}

/**
 * The settings of an app's stage: the app's `env`, with its stage's `env` over it, sorted by
 * name so that the same config always gives the same environment.
 *
 * @example
 * settingsOf({ env: { A: '1', B: '2' }, stages: { prod: { env: { B: '3' } } } }, 'prod') // { A: '1', B: '3' }
 */
export function settingsOf(config: object, stage: string): Record<string, string> {
  const { env, stages } = config as {
    env?: Record<string, string>
    stages?: Record<string, { env?: Record<string, string> }>
  }
  const merged = { ...env, ...stages?.[stage]?.env }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** The size Lambda counts of an environment: the bytes of its JSON. */
export function environmentBytes(variables: Readonly<Record<string, string>>): number {
  return Buffer.byteLength(JSON.stringify(variables))
}
