import { secretsWithoutValue } from '@xfn/core'
import type { Desired } from '../desired.js'
import type { Observed } from '../observe.js'
import { releaseChanges } from '../releases.js'
import { type Change, initialFacts, type PlanOptions } from './change.js'
import { notificationChanges, scheduleChanges } from './events.js'
import { functionChanges } from './functions.js'
import { httpChanges } from './http.js'
import { restChanges } from './rest.js'
import { apiKeyChanges, roleChanges } from './roles.js'
import { bucketChanges, queueChanges } from './storage.js'
import { subscriptionChanges, topicChanges } from './topics.js'

export {
  type ApplyContext,
  type Change,
  type ChangeAction,
  type Facts,
  initialFacts,
  type PlanOptions,
} from './change.js'

/**
 * Compares what should exist with what does, and returns the changes that close the gap, in
 * apply order. Pure: every read happened in observe(), so the same inputs give the same plan.
 */
export function planChanges(desired: Desired, observed: Observed, options: PlanOptions = {}): Change[] {
  checkSecretsSet(desired, observed)
  const facts = initialFacts(observed, desired.api)
  const changes = [
    ...apiKeyChanges(desired, observed),
    ...roleChanges(desired, observed),
    ...queueChanges(desired, observed),
    ...bucketChanges(desired, observed, options),
    ...topicChanges(desired, observed),
    ...subscriptionChanges(desired, observed),
    ...functionChanges(desired, observed, facts),
    ...httpChanges(desired, observed),
    ...restChanges(desired, observed),
    ...scheduleChanges(desired, observed),
    ...notificationChanges(desired, observed),
  ]
  const publishing = changes.filter((c) => c.kind === 'version').map((c) => c.name)
  changes.push(...releaseChanges(desired, observed, publishing))
  return changes
    .map((change, index) => ({ change, index }))
    .sort((a, b) => a.change.phase - b.change.phase || a.index - b.index)
    .map(({ change }) => change)
}

/** Stops a deploy whose app reads a secret that has no value, with the commands that set them. */
function checkSecretsSet(desired: Desired, observed: Observed): void {
  const missing = desired.secrets.filter((name) => !observed.secrets.has(name))
  if (missing.length === 0) return
  const { stage, region } = desired.target
  throw secretsWithoutValue(missing, `for stage ${stage} in ${region}`, ['--cloud', 'aws', '--stage', stage])
}
