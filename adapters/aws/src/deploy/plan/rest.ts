import {
  CreateApiKeyCommand,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteMethodCommand,
  DeleteResourceCommand,
  DeleteRestApiCommand,
  DeleteUsagePlanCommand,
  type PatchOperation,
  PutGatewayResponseCommand,
  PutIntegrationCommand,
  PutMethodCommand,
  UpdateUsagePlanCommand,
} from '@aws-sdk/client-api-gateway'
import { notFoundResult, unauthorizedResult } from '@xfn/core'
import type { Desired } from '../desired.js'
import { ifExists } from '../errors.js'
import { type Observed, publishedDescription, readRestDefinition, restDefinitionDigest } from '../observe.js'
import { type Change, phase } from './change.js'

/**
 * The changes to a REST API, which an app gets for `auth: 'key'` routes (or `aws.api: 'rest'`):
 * resources and methods for each route (the key required where the route says so), `ANY` per
 * path for the app's 405, gateway responses that answer a bad key with the portable 401 and an
 * unknown path with the portable 404, a deployment to the stage whenever anything changed, and
 * the app's key in a usage plan with the configured rate, burst and quota.
 */
export function restChanges(desired: Desired, observed: Observed): Change[] {
  const { layout, target } = desired
  const api = observed.restApi
  const usage = observed.usage
  const routes = desired.api === 'rest' ? desired.routes.filter((r) => r.key !== '$default') : []
  const changes: Change[] = []
  const wantsKey = routes.length > 0 && desired.needsKey
  if (usage.plan && !wantsKey) {
    const plan = usage.plan
    changes.push({
      action: 'delete',
      kind: 'usage plan',
      name: layout.api,
      reason: 'no route needs a key any more',
      phase: phase.deleteUsagePlan,
      async run({ clients }) {
        const stages = plan.stages.map((stage) => ({
          op: 'remove' as const,
          path: '/apiStages',
          value: stage.replace('/', ':'),
        }))
        if (stages.length > 0)
          await ifExists(() =>
            clients.rest.send(new UpdateUsagePlanCommand({ usagePlanId: plan.id, patchOperations: stages })),
          )
        await ifExists(() => clients.rest.send(new DeleteUsagePlanCommand({ usagePlanId: plan.id })))
      },
    })
  }
  if (usage.apiKey && !wantsKey) {
    const key = usage.apiKey
    changes.push({
      action: 'delete',
      kind: 'api key',
      name: layout.api,
      reason: 'no route needs a key any more',
      phase: phase.deleteUsagePlan,
      run: async ({ clients }) =>
        void (await ifExists(() => clients.rest.send(new DeleteApiKeyCommand({ apiKey: key.id })))),
    })
  }
  if (routes.length === 0) {
    if (api)
      changes.push({
        action: 'delete',
        kind: 'rest api',
        name: layout.api,
        reason:
          desired.routes.length === 0
            ? 'the app has no HTTP functions any more'
            : 'the app is served by an HTTP API now',
        phase: phase.deleteApi,
        run: async ({ clients }) =>
          void (await ifExists(() => clients.rest.send(new DeleteRestApiCommand({ restApiId: api.id })))),
      })
    return changes
  }

  const apiChanges: Change[] = []
  if (!api)
    apiChanges.push({
      action: 'create',
      kind: 'rest api',
      name: layout.api,
      reason: 'REST API (regional, keys in x-api-key)',
      phase: phase.api,
      async run({ clients, facts }) {
        const made = await clients.rest.send(
          new CreateRestApiCommand({
            name: layout.api,
            endpointConfiguration: { types: ['REGIONAL'] },
            apiKeySource: 'HEADER',
            tags: desired.tags,
          }),
        )
        facts.apiId = made.id
        if (made.rootResourceId) facts.restResources.set('/', made.rootResourceId)
      },
    })
  const answers = { INVALID_API_KEY: unauthorizedResult(), MISSING_AUTHENTICATION_TOKEN: notFoundResult() }
  for (const [type, result] of Object.entries(answers)) {
    if (api?.gatewayResponses.get(type) === String(result.status)) continue
    apiChanges.push({
      action: api?.gatewayResponses.has(type) ? 'update' : 'create',
      kind: 'gateway response',
      name: type,
      reason: `answer ${result.status} as every cloud does`,
      phase: phase.api,
      async run({ clients, facts }) {
        await clients.rest.send(
          new PutGatewayResponseCommand({
            restApiId: facts.apiId,
            responseType: type as never,
            statusCode: String(result.status),
            responseParameters: { 'gatewayresponse.header.Content-Type': "'application/json'" },
            responseTemplates: { 'application/json': String(result.body) },
          }),
        )
      },
    })
  }

  const paths = new Set<string>()
  for (const route of routes) {
    const path = route.key.slice(route.key.indexOf(' ') + 1)
    for (let at = path; at !== '/'; at = parentOf(at)) paths.add(at)
  }
  for (const path of [...paths].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b))) {
    if (api?.resources.has(path)) continue
    apiChanges.push({
      action: 'create',
      kind: 'resource',
      name: path,
      reason: 'a path of the routes',
      phase: phase.restResource,
      async run({ clients, facts }) {
        const made = await clients.rest.send(
          new CreateResourceCommand({
            restApiId: facts.apiId,
            parentId: facts.restResources.get(parentOf(path)),
            pathPart: path.slice(path.lastIndexOf('/') + 1),
          }),
        )
        if (made.id) facts.restResources.set(path, made.id)
      },
    })
  }

  const wanted = new Set<string>()
  for (const route of routes) {
    wanted.add(route.key)
    const [method = 'ANY', path = '/'] = route.key.split(' ')
    const fn = desired.functions.find((f) => f.logical.name === route.function)
    if (!fn) continue
    const uri = `arn:aws:apigateway:${target.region}:lambda:path/2015-03-31/functions/${layout.liveArn(fn.name)}/invocations`
    const apiKeyRequired =
      method !== 'ANY' && fn.logical.trigger.type === 'http' && fn.logical.trigger.auth === 'key'
    const current = api?.resources.get(path)?.methods.get(method)
    if (current?.apiKeyRequired === apiKeyRequired && current.uri === uri) continue
    apiChanges.push({
      action: current ? 'update' : 'create',
      kind: 'method',
      name: route.key,
      reason: `to ${route.function}${apiKeyRequired ? ', key required' : ''}`,
      phase: phase.route,
      async run({ clients, facts }) {
        const where = {
          restApiId: facts.apiId,
          resourceId: facts.restResources.get(path),
          httpMethod: method,
        }
        if (current) await ifExists(() => clients.rest.send(new DeleteMethodCommand(where)))
        await clients.rest.send(new PutMethodCommand({ ...where, authorizationType: 'NONE', apiKeyRequired }))
        await clients.rest.send(
          new PutIntegrationCommand({ ...where, type: 'AWS_PROXY', integrationHttpMethod: 'POST', uri }),
        )
      },
    })
  }
  for (const [path, resource] of api ? api.resources : []) {
    const restApiId = api?.id
    for (const method of resource.methods.keys()) {
      if (wanted.has(`${method} ${path}`)) continue
      apiChanges.push({
        action: 'delete',
        kind: 'method',
        name: `${method} ${path}`,
        reason: 'no function serves it any more',
        phase: phase.deleteRoute,
        run: async ({ clients }) =>
          void (await ifExists(() =>
            clients.rest.send(
              new DeleteMethodCommand({ restApiId, resourceId: resource.id, httpMethod: method }),
            ),
          )),
      })
    }
    if (path === '/' || paths.has(path)) continue
    apiChanges.push({
      action: 'delete',
      kind: 'resource',
      name: path,
      reason: 'no route uses the path any more',
      phase: phase.deleteIntegration,
      run: async ({ clients }) =>
        void (await ifExists(() =>
          clients.rest.send(new DeleteResourceCommand({ restApiId, resourceId: resource.id })),
        )),
    })
  }
  changes.push(...apiChanges)

  // A REST API serves what was last deployed, not its definition: deploy whenever anything of it
  // changes now, and whenever what the stage serves is not the definition as it stands (a deploy
  // that stopped before publishing, or a publish that failed). Each deployment records the digest
  // of what it published, so the next deploy can compare.
  const unpublished = api !== undefined && api.publishedDigest !== api.digest
  if (apiChanges.length > 0 || !api?.stageExists || unpublished)
    changes.push({
      action: api?.stageExists ? 'update' : 'create',
      kind: 'deployment',
      name: `${layout.api} ${target.stage}`,
      reason:
        apiChanges.length === 0 && api?.stageExists
          ? 'the stage does not serve the routes as they are (an earlier deploy stopped before publishing)'
          : 'publish the routes to the stage',
      phase: phase.deployment,
      async run({ clients, facts }) {
        const restApiId = facts.apiId as string
        const { resources, gatewayResponses } = await readRestDefinition(clients, restApiId)
        await clients.rest.send(
          new CreateDeploymentCommand({
            restApiId,
            stageName: target.stage,
            description: publishedDescription(restDefinitionDigest(resources, gatewayResponses)),
          }),
        )
      },
    })
  if (wantsKey) changes.push(...usageChanges(desired, observed))
  return changes
}

/** The app's key as an API key, in a usage plan on the stage with the configured limits. */
function usageChanges(desired: Desired, observed: Observed): Change[] {
  const { layout, target, usagePlan } = desired
  const { apiKey: key, plan } = observed.usage
  const changes: Change[] = []
  if (!key || key.value !== observed.apiKey)
    changes.push({
      action: key ? 'update' : 'create',
      kind: 'api key',
      name: layout.api,
      reason: key ? 'its value differs from the app key' : "the app's key, for x-api-key",
      phase: phase.usagePlan,
      async run({ clients, facts }) {
        if (key) await ifExists(() => clients.rest.send(new DeleteApiKeyCommand({ apiKey: key.id })))
        const made = await clients.rest.send(
          new CreateApiKeyCommand({
            name: layout.api,
            value: facts.apiKey,
            enabled: true,
            tags: desired.tags,
          }),
        )
        facts.restKeyId = made.id
      },
    })
  const stage = (apiId: string | undefined) => `${apiId}:${target.stage}`
  const limits = {
    throttle: { rateLimit: usagePlan.rateLimit, burstLimit: usagePlan.burstLimit },
    ...(usagePlan.quota ? { quota: usagePlan.quota } : {}),
  }
  if (!plan) {
    changes.push({
      action: 'create',
      kind: 'usage plan',
      name: layout.api,
      reason: `${usagePlan.rateLimit}/s, bursts of ${usagePlan.burstLimit}${usagePlan.quota ? `, ${usagePlan.quota.limit} per ${usagePlan.quota.period.toLowerCase()}` : ''}`,
      phase: phase.usagePlan,
      async run({ clients, facts }) {
        const made = await clients.rest.send(
          new CreateUsagePlanCommand({
            name: layout.api,
            apiStages: [{ apiId: facts.apiId, stage: target.stage }],
            ...limits,
            tags: desired.tags,
          }),
        )
        facts.usagePlanId = made.id
        await clients.rest.send(
          new CreateUsagePlanKeyCommand({ usagePlanId: made.id, keyId: facts.restKeyId, keyType: 'API_KEY' }),
        )
      },
    })
    return changes
  }
  const patches: PatchOperation[] = []
  if (plan.rateLimit !== usagePlan.rateLimit)
    patches.push({ op: 'replace', path: '/throttle/rateLimit', value: String(usagePlan.rateLimit) })
  if (plan.burstLimit !== usagePlan.burstLimit)
    patches.push({ op: 'replace', path: '/throttle/burstLimit', value: String(usagePlan.burstLimit) })
  if (plan.quotaLimit !== usagePlan.quota?.limit || plan.quotaPeriod !== usagePlan.quota?.period) {
    if (!usagePlan.quota) patches.push({ op: 'remove', path: '/quota' })
    else if (plan.quotaLimit === undefined)
      // JSON Patch: a quota the plan lacks is added whole; 'replace' needs an existing target.
      patches.push(
        { op: 'add', path: '/quota/limit', value: String(usagePlan.quota.limit) },
        { op: 'add', path: '/quota/offset', value: '0' },
        { op: 'add', path: '/quota/period', value: usagePlan.quota.period },
      )
    else
      patches.push(
        { op: 'replace', path: '/quota/limit', value: String(usagePlan.quota.limit) },
        { op: 'replace', path: '/quota/period', value: usagePlan.quota.period },
      )
  }
  const onStage = observed.restApi && plan.stages.includes(`${observed.restApi.id}/${target.stage}`)
  const keyChanging = changes.length > 0
  if (patches.length > 0 || !onStage || keyChanging || !plan.keyIds.includes(key?.id ?? ''))
    changes.push({
      action: 'update',
      kind: 'usage plan',
      name: layout.api,
      reason:
        patches.length > 0 ? 'its limits changed' : onStage ? 'its key changed' : 'the stage is not in it',
      phase: phase.usagePlan,
      async run({ clients, facts }) {
        const operations = [...patches]
        if (!onStage) operations.push({ op: 'add', path: '/apiStages', value: stage(facts.apiId) })
        if (operations.length > 0)
          await clients.rest.send(
            new UpdateUsagePlanCommand({ usagePlanId: plan.id, patchOperations: operations }),
          )
        if (keyChanging || !plan.keyIds.includes(facts.restKeyId ?? ''))
          await clients.rest.send(
            new CreateUsagePlanKeyCommand({
              usagePlanId: plan.id,
              keyId: facts.restKeyId,
              keyType: 'API_KEY',
            }),
          )
      },
    })
  return changes
}

function parentOf(path: string): string {
  const parent = path.slice(0, path.lastIndexOf('/'))
  return parent === '' ? '/' : parent
}

function depth(path: string): number {
  return path.split('/').length
}
