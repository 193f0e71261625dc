import { XfnError } from './errors.js'

/**
 * Logical names are what users write; physical names are what each cloud gets. The limits on
 * logical names are chosen so that every physical name derived below is valid on every cloud:
 * Lambda names are at most 64 characters, SQS names 80 (with `.fifo`), S3 bucket names 63 and
 * global, Azure queue and container names 3 to 63 lowercase characters without double hyphens,
 * storage account names 3 to 24 lowercase letters and digits.
 */
const rules = {
  app: {
    pattern: /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/,
    min: 2,
    max: 20,
    text: 'lowercase letters, digits and single hyphens, starting with a letter',
  },
  stage: {
    pattern: /^[a-z][a-z0-9]*$/,
    min: 1,
    max: 10,
    text: 'lowercase letters and digits, starting with a letter',
  },
  function: {
    pattern: /^[A-Za-z][A-Za-z0-9_-]*$/,
    min: 1,
    max: 32,
    text: 'letters, digits, hyphens and underscores, starting with a letter',
  },
  queue: {
    pattern: /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/,
    min: 3,
    max: 36,
    text: 'lowercase letters, digits and single hyphens, starting with a letter',
  },
  topic: {
    pattern: /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/,
    min: 3,
    max: 36,
    text: 'lowercase letters, digits and single hyphens, starting with a letter',
  },
  secret: {
    pattern: /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/,
    min: 2,
    max: 64,
    text: 'lowercase letters, digits and single hyphens, starting with a letter',
  },
  bucket: {
    pattern: /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/,
    min: 3,
    max: 22,
    text: 'lowercase letters, digits and single hyphens, starting with a letter',
  },
} as const

export type NameKind = keyof typeof rules

/**
 * Throws a clear error when a logical name cannot be turned into a valid physical name on every cloud.
 *
 * @example
 * validateName('queue', 'orders', "queue('orders')")
 */
export function validateName(kind: NameKind, name: unknown, where: string): asserts name is string {
  const rule = rules[kind]
  if (typeof name !== 'string' || name.length === 0) {
    throw new XfnError('INVALID_NAME', `${where}: a ${kind} name must be a non-empty string.`)
  }
  if (name.length < rule.min || name.length > rule.max || !rule.pattern.test(name)) {
    throw new XfnError(
      'INVALID_NAME',
      `${where}: '${name}' is not a valid ${kind} name. Use ${rule.min} to ${rule.max} characters: ${rule.text}` +
        `${kind === 'function' ? '' : ', no trailing or double hyphen'}. The limit keeps the name valid on AWS and Azure alike.`,
    )
  }
}

/** Where an app is deployed: its name and stage, which prefix every physical name. */
export interface NameTarget {
  readonly app: string
  readonly stage: string
}

/** The tags on everything xfn makes in a cloud, by which a deploy and destroy know what is theirs. */
export function ownerTags(target: NameTarget): Record<string, string> {
  return { 'xfn:app': target.app, 'xfn:stage': target.stage }
}

/** Whether a resource's tags say it belongs to this app and stage. */
export function ownedBy(
  tags: Readonly<Record<string, string | undefined>> | undefined,
  target: NameTarget,
): boolean {
  return tags?.['xfn:app'] === target.app && tags['xfn:stage'] === target.stage
}

/** Physical names on AWS. `scope` (account id and region) makes the global bucket names unique. */
export function awsNames(target: NameTarget, scope: { accountId: string; region: string }) {
  const prefix = checkedPrefix(target)
  const suffix = shortHash(`${scope.accountId}/${scope.region}/${target.app}/${target.stage}`, 8)
  return {
    function: (name: string) => `${prefix}-${name}`,
    queue: (name: string, fifo = false) => `${prefix}-${name}${fifo ? '.fifo' : ''}`,
    deadLetterQueue: (name: string, fifo = false) => `${prefix}-${name}-dlq${fifo ? '.fifo' : ''}`,
    topic: (name: string) => `${prefix}-${name}`,
    /**
     * The SQS queue of one subscription (an `app.topic` function) to a topic: `--` cannot occur in
     * a queue or topic name, so it collides with none. Shortened with a hash of the whole to fit
     * SQS's 80 characters with `-dlq`.
     */
    subscriptionQueue: (topic: string, functionName: string) => {
      const name = `${prefix}-${topic}--${functionName}`
      return name.length <= 76 ? name : `${name.slice(0, 67)}-${shortHash(name, 8)}`
    },
    bucket: (name: string) => `${prefix}-${name}-${suffix}`,
    role: (functionName: string) => `${prefix}-${functionName}`,
  }
}

/** Physical names on Azure: one resource group and storage account per app and stage. */
export function azureNames(target: NameTarget, scope: { subscriptionId: string }) {
  const prefix = checkedPrefix(target)
  const hash = shortHash(`${scope.subscriptionId}/${target.app}/${target.stage}`, 10)
  return {
    resourceGroup: `xfn-${prefix}`,
    storageAccount: `${`${target.app}${target.stage}`.replaceAll('-', '').slice(0, 14)}${hash}`,
    functionApp: `${prefix}-${hash.slice(0, 6)}`,
    function: (name: string) => name,
    queue: (name: string) => name,
    poisonQueue: (name: string) => `${name}-poison`,
    container: (name: string) => name,
    /**
     * An Event Grid custom topic: its endpoint's host name is the topic's name in its region, so
     * the name carries the app's hash, like the storage account's (3 to 50 letters, digits, '-').
     */
    topic: (name: string) => `${name}-${hash}`,
    /** The app's Key Vault: 3 to 24 letters, digits and single hyphens, global like the storage account's. */
    keyVault: `kv-${hash}`,
  }
}

/** Physical names on the local cloud: the logical names, under a folder per app and stage. */
export function localNames(target: NameTarget) {
  const prefix = checkedPrefix(target)
  return {
    root: prefix,
    function: (name: string) => name,
    queue: (name: string) => name,
    deadLetterQueue: (name: string) => `${name}-dlq`,
    bucket: (name: string) => name,
  }
}

function checkedPrefix(target: NameTarget): string {
  validateName('app', target.app, 'app name')
  validateName('stage', target.stage, 'stage')
  return `${target.app}-${target.stage}`
}

function shortHash(text: string, length: number): string {
  return crypto().createHash('sha256').update(text).digest('hex').slice(0, length)
}

/**
 * `node:crypto`, loaded when first needed rather than when the bundle is imported: loading it
 * costs a cold start some 3 ms, and most functions never hash a name.
 */
function crypto() {
  return process.getBuiltinModule('node:crypto')
}
