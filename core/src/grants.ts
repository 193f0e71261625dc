import type { FunctionDefinition, Trigger } from './definitions.js'
import { XfnError } from './errors.js'
import { type Access, accessKinds, type Grant, type Usable } from './grant-types.js'
import { publisherOf, type ResourceProvider } from './resources.js'
import { cachedReader, readerOf } from './secrets.js'

export { type Access, accessKinds, type Grant, type ResourceGrant, type Usable } from './grant-types.js'

/*
 * Permissions derived from use. A function lists in `uses` the queues and buckets its handler
 * calls; its trigger's own resource is implied. The AWS deployer turns the list into the
 * function's IAM policy, and every runtime refuses a call the list does not cover, with the same
 * message, so a missing declaration shows up in the first local run or unit test instead of as
 * an AccessDenied in production.
 */

function grantOf(item: Usable): Grant {
  if (item.kind === 'queue') return { resource: 'queue', name: item.name, access: ['send'] }
  if (item.kind === 'bucket') return { resource: 'bucket', name: item.name, access: ['read', 'write'] }
  if (item.kind === 'topic') return { resource: 'topic', name: item.name, access: ['publish'] }
  if (item.kind === 'secret') return { resource: 'secret', name: item.name, access: ['read'] }
  return { resource: item.resource, name: item.name, access: item.access }
}

/** What a trigger implies: a blob trigger may read the bucket it reacts to. */
function impliedGrant(trigger: Trigger): Grant | undefined {
  return trigger.type === 'blob' ? { resource: 'bucket', name: trigger.bucket, access: ['read'] } : undefined
}

/** Every grant of a function, merged per resource and sorted, so the same code gives the same policy. */
export function grantsOf(fn: Pick<FunctionDefinition, 'trigger' | 'uses'>): Grant[] {
  const merged = new Map<string, { resource: Grant['resource']; name: string; access: Set<Access> }>()
  const implied = impliedGrant(fn.trigger)
  for (const grant of [...fn.uses.map(grantOf), ...(implied ? [implied] : [])]) {
    const key = `${grant.resource}:${grant.name}`
    const entry = merged.get(key) ?? { resource: grant.resource, name: grant.name, access: new Set<Access>() }
    for (const access of grant.access) entry.access.add(access)
    merged.set(key, entry)
  }
  return [...merged.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { resource, name, access }]) => ({
      resource,
      name,
      access: accessKinds.filter((kind) => access.has(kind)),
    }))
}

/** The check behind `uses: [...]`: every entry is a queue, a bucket, or a grant made from one. */
export function checkUses(value: unknown): string | undefined {
  if (!Array.isArray(value))
    return 'must be a list of queues, buckets, topics and secrets, such as [orders, receipts.readOnly]'
  const bad = value.find(
    (item) =>
      typeof item !== 'object' ||
      item === null ||
      !['queue', 'bucket', 'topic', 'secret', 'grant'].includes((item as { kind?: unknown }).kind as string),
  )
  if (bad === undefined) return undefined
  return `must list resources made with queue(), bucket(), topic() or secret() (or grants such as receipts.readOnly), not ${typeof bad === 'string' ? `the name '${bad}'` : JSON.stringify(bad)}`
}

/** Who is calling a resource client now: a function's name, or undefined outside any invocation. */
export type CallerLookup = () => string | undefined

/**
 * Wraps a runtime's resource provider so that a call from inside a function must be covered by
 * that function's grants. Each runtime installs it with its own way of knowing the caller. Calls
 * outside any invocation (module top level, a test calling a client directly) are not checked.
 *
 * @example
 * registry.resources.provider = guardProvider(awsResourceProvider(), registry.functions, () => running.name)
 */
export function guardProvider(
  provider: ResourceProvider,
  functions: ReadonlyMap<string, Pick<FunctionDefinition, 'trigger' | 'uses'>>,
  caller: CallerLookup,
): ResourceProvider {
  const cache = new Map<string, Grant[]>()
  const readSecret = provider.getSecret ? cachedReader(provider.getSecret.bind(provider)) : undefined
  const check = (resource: Grant['resource'], name: string, access: Access, call: string): void => {
    const functionName = caller()
    const fn = functionName === undefined ? undefined : functions.get(functionName)
    if (functionName === undefined || !fn) return
    let grants = cache.get(functionName)
    if (!grants) {
      grants = grantsOf(fn)
      cache.set(functionName, grants)
    }
    if (grants.some((g) => g.resource === resource && g.name === name && g.access.includes(access))) return
    throw undeclaredError(functionName, fn.trigger.type, `${resource}('${name}').${call}()`, resource, access)
  }
  return {
    sendMessages(queue, messages) {
      check('queue', queue.name, 'send', 'send')
      return provider.sendMessages(queue, messages)
    },
    publishMessages(topic, messages) {
      check('topic', topic.name, 'publish', 'publish')
      return publisherOf(provider, topic.name)(topic, messages)
    },
    getSecret(secret) {
      check('secret', secret.name, 'read', 'value')
      return (readSecret ?? readerOf(provider, secret.name))(secret)
    },
    putObject(bucket, key, body, contentType) {
      check('bucket', bucket.name, 'write', 'put')
      return provider.putObject(bucket, key, body, contentType)
    },
    getObject(bucket, key) {
      check('bucket', bucket.name, 'read', 'get')
      return provider.getObject(bucket, key)
    },
    listObjects(bucket, prefix) {
      check('bucket', bucket.name, 'read', 'list')
      return provider.listObjects(bucket, prefix)
    },
    deleteObject(bucket, key) {
      check('bucket', bucket.name, 'write', 'delete')
      return provider.deleteObject(bucket, key)
    },
    signedUrl(bucket, key, options) {
      check('bucket', bucket.name, options.method === 'PUT' ? 'write' : 'read', 'signedUrl')
      return provider.signedUrl(bucket, key, options)
    },
  }
}

function undeclaredError(
  functionName: string,
  triggerType: Trigger['type'],
  call: string,
  resource: Grant['resource'],
  access: Access,
): XfnError {
  const add =
    access === 'send'
      ? 'the queue'
      : access === 'publish'
        ? 'the topic'
        : resource === 'secret'
          ? 'the secret'
          : `the bucket (or its .${access === 'read' ? 'readOnly' : 'writeOnly'} grant)`
  return new XfnError(
    'UNDECLARED_RESOURCE',
    `${call} was called by function '${functionName}', which does not declare that it uses it (${access}). Add ${add} to the function's options: app.${triggerType}('${functionName}', { ..., uses: [...] }). Each function gets only the resources it declares, on every cloud.`,
  )
}
