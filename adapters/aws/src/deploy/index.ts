import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { describeChange, type Manifest, manifestVersion, XfnError } from '@xfn/core'
import { type ApplyOptions, applyChanges } from './apply.js'
import type { AwsClients } from './clients.js'
import { type AwsBuild, type DeployOptions, type Desired, desiredState } from './desired.js'
import { cloudError } from './errors.js'
import { readHistory } from './history.js'
import { type Observed, observe, readFunctions } from './observe.js'
import { type Change, initialFacts, type PlanOptions, planChanges } from './plan/index.js'
import { liveRelease, readReleases, rollbackTo, shownReleases } from './releases.js'
import { type AwsTarget, awsLayout } from './target.js'

export type { ApplyOptions, ProgressEvent } from './apply.js'
export { type AwsClients, type ClientOptions, createAwsClients } from './clients.js'
export { type AwsBuild, apiRoutes, type DeployOptions, lambdaRuntime, type UsagePlan } from './desired.js'
export { type InvokeOutcome, type InvokeRequest, invokeFunction } from './invoke.js'
export type { Change, ChangeAction } from './plan/index.js'
export { functionPolicy, lambdaTrustPolicy, type PolicyDocument } from './policy.js'
export { listSecrets, removeSecret, setSecret } from './secrets.js'
export type { AwsLayout, AwsTarget } from './target.js'
export { awsLayout, describeChange }

/** A deploy worked out but not yet performed: what should be, what is, and the changes between. */
export interface AwsPlan {
  readonly target: AwsTarget
  readonly desired: Desired
  readonly observed: Observed
  readonly changes: readonly Change[]
}

export interface AwsEndpoints {
  /** The HTTP API's base URL, when the app has HTTP functions. */
  readonly baseUrl: string | undefined
  readonly routes: readonly { readonly route: string; readonly function: string; readonly auth: string }[]
  /** The key clients send in `x-api-key` to `auth: 'key'` routes. */
  readonly apiKey: string | undefined
}

/** Finds the account and region the clients deploy to, or says how to provide them. */
export async function resolveTarget(clients: AwsClients, app: string, stage: string): Promise<AwsTarget> {
  let region: string
  try {
    region = await clients.lambda.config.region()
  } catch {
    region = ''
  }
  if (!region)
    throw new XfnError(
      'INVALID_OPTIONS',
      'No AWS region is set. Pass --region, set AWS_REGION, or set a region in the profile (aws configure).',
    )
  let caller: { Account?: string | undefined; Arn?: string | undefined }
  try {
    caller = await clients.sts.send(new GetCallerIdentityCommand({}))
  } catch (error) {
    throw cloudError('Finding the AWS account (sts:GetCallerIdentity)', error)
  }
  const accountId = caller.Account
  if (!accountId) throw new XfnError('CLOUD_ERROR', 'sts:GetCallerIdentity returned no account id.')
  return { app, stage, region, accountId, ...(caller.Arn ? { caller: caller.Arn } : {}) }
}

/** Reads what exists and returns the changes a deploy of this build would make. Read-only. */
export async function planDeploy(
  clients: AwsClients,
  build: AwsBuild,
  target: AwsTarget,
  options: DeployOptions = {},
): Promise<AwsPlan> {
  return plan(clients, desiredState(build, target, options), target, {})
}

/** Reads what exists and returns the changes that remove every resource xfn made for the app and stage. */
export async function planDestroy(clients: AwsClients, target: AwsTarget): Promise<AwsPlan> {
  const nothing: Manifest = { manifestVersion, app: target.app, functions: [], queues: [], buckets: [] }
  return plan(
    clients,
    desiredState({ manifest: nothing, zip: new Uint8Array(0), handlers: {} }, target),
    target,
    {
      deleteData: true,
    },
  )
}

async function plan(
  clients: AwsClients,
  desired: Desired,
  target: AwsTarget,
  options: PlanOptions,
): Promise<AwsPlan> {
  let observed: Observed
  try {
    observed = await observe(clients, target, desired.layout)
  } catch (error) {
    throw cloudError(`Reading what exists for ${target.app} (${target.stage}) in ${target.region}`, error)
  }
  return { target, desired, observed, changes: planChanges(desired, observed, options) }
}

/** Performs a plan, and returns the app's endpoints. */
export async function applyPlan(
  clients: AwsClients,
  planned: AwsPlan,
  options: ApplyOptions = {},
): Promise<AwsEndpoints> {
  const { desired, target } = planned
  const facts = initialFacts(planned.observed, desired.api)
  await applyChanges(planned.changes, clients, facts, options)
  const restUrl = `https://${facts.apiId}.execute-api.${target.region}.amazonaws.com/${target.stage}`
  return {
    baseUrl: desired.routes.length === 0 ? undefined : desired.api === 'rest' ? restUrl : facts.apiEndpoint,
    routes: desired.functions.flatMap((fn) =>
      fn.logical.trigger.type === 'http'
        ? [
            {
              route: `${fn.logical.trigger.methods.join(',')} ${fn.logical.trigger.route}`,
              function: fn.logical.name,
              auth: fn.logical.trigger.auth,
            },
          ]
        : [],
    ),
    apiKey: desired.needsKey ? facts.apiKey : undefined,
  }
}

/** What is deployed for an app and stage, as `xfn status --cloud aws` shows it. Read-only. */
export async function describeDeployed(clients: AwsClients, target: AwsTarget) {
  const layout = awsLayout(target)
  let observed: Observed
  try {
    observed = await observe(clients, target, layout)
  } catch (error) {
    throw cloudError(`Reading what exists for ${target.app} (${target.stage}) in ${target.region}`, error)
  }
  return {
    target,
    baseUrl:
      observed.api?.endpoint ??
      (observed.restApi &&
        `https://${observed.restApi.id}.execute-api.${target.region}.amazonaws.com/${target.stage}`),
    functions: [...observed.functions.entries()]
      .map(([name, fn]) => ({
        name,
        function: fn.tags['xfn:function'] ?? name,
        state: fn.config.State,
        lastUpdate: fn.config.LastUpdateStatus,
        lastModified: fn.config.LastModified,
        memoryMb: fn.config.MemorySize,
        timeoutSeconds: fn.config.Timeout,
        // What runs: the version the live alias invokes (or, before any, $LATEST).
        version: fn.live,
        codeSha256:
          (fn.live === undefined ? undefined : fn.versions.get(fn.live))?.CodeSha256 ?? fn.config.CodeSha256,
      }))
      .sort((a, b) => a.function.localeCompare(b.function)),
    queues: [...observed.queues.entries()]
      .map(([name, queue]) => ({
        name,
        waiting: Number(queue.attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(queue.attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(queue.attributes.ApproximateNumberOfMessagesDelayed ?? 0),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    buckets: [...observed.buckets.keys()].sort(),
    /** Each topic with the queues subscribed to it (whose depths are among the queues). */
    topics: [...observed.topics.entries()]
      .map(([name, topic]) => ({
        name,
        subscriptions: [...topic.subscriptions.keys()]
          .map((arn) => arn.slice(arn.lastIndexOf(':') + 1))
          .sort(),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    schedules: [...observed.rules.entries()].map(([name, rule]) => ({ name, expression: rule.expression })),
    release: pickedRelease(liveRelease(observed.releases, observed.functions)),
  }
}

/** What status shows of the live release. */
const pickedRelease = (release: { id: string; deployedAt: string } | undefined) =>
  release && { id: release.id, deployedAt: release.deployedAt }

/** The app's releases, oldest first, the one that runs marked live. Read-only. */
export async function listReleases(clients: AwsClients, target: AwsTarget) {
  const { releases, functions } = await readReleaseState(clients, target)
  return shownReleases(releases, functions)
}

/**
 * Makes a release live again by pointing every function's alias at its version: by default the
 * release before the live one. `commandLine` prints a command for this app and stage.
 */
export async function rollback(
  clients: AwsClients,
  target: AwsTarget,
  options: { readonly to: string | undefined; readonly codeOnly: boolean },
  commandLine: (...args: string[]) => string,
) {
  const layout = awsLayout(target)
  const state = await readReleaseState(clients, target)
  return rollbackTo(clients, layout, state, options, commandLine)
}

/** The changes made to the app's resources since a time, from CloudTrail. Read-only. */
export async function history(clients: AwsClients, target: AwsTarget, window: { readonly since: Date }) {
  try {
    return await readHistory(clients, target, awsLayout(target), window)
  } catch (error) {
    throw cloudError(`Reading CloudTrail for ${target.app} (${target.stage}) in ${target.region}`, error)
  }
}

async function readReleaseState(clients: AwsClients, target: AwsTarget) {
  const layout = awsLayout(target)
  try {
    const [releases, functions] = await Promise.all([
      readReleases(clients, layout),
      readFunctions(clients, target, layout, { triggers: false }),
    ])
    return { releases, functions }
  } catch (error) {
    throw cloudError(`Reading the releases of ${target.app} (${target.stage}) in ${target.region}`, error)
  }
}
