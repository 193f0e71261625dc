import {
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  UpdateRouteCommand,
} from '@aws-sdk/client-apigatewayv2'
import type { Desired } from '../desired.js'
import { ifExists } from '../errors.js'
import type { Observed } from '../observe.js'
import { type Change, phase } from './change.js'

/* The changes to the HTTP API: the API and its stage, an integration per function, the routes. */

export function httpChanges(desired: Desired, observed: Observed): Change[] {
  const { layout } = desired
  const changes: Change[] = []
  const api = observed.api
  if (desired.routes.length === 0 || desired.api !== 'http') {
    if (api)
      changes.push({
        action: 'delete',
        kind: 'http api',
        name: layout.api,
        reason:
          desired.routes.length === 0
            ? 'the app has no HTTP functions any more'
            : 'the app is served by a REST API now',
        phase: phase.deleteApi,
        run: async ({ clients }) =>
          void (await ifExists(() => clients.api.send(new DeleteApiCommand({ ApiId: api.id })))),
      })
    return changes
  }
  if (!api)
    changes.push({
      action: 'create',
      kind: 'http api',
      name: layout.api,
      reason: 'HTTP API (payload 2.0) with an auto-deployed $default stage',
      phase: phase.api,
      async run({ clients, facts }) {
        const made = await clients.api.send(
          new CreateApiCommand({ Name: layout.api, ProtocolType: 'HTTP', Tags: desired.tags }),
        )
        facts.apiId = made.ApiId
        facts.apiEndpoint = made.ApiEndpoint
        await clients.api.send(
          new CreateStageCommand({ ApiId: made.ApiId, StageName: '$default', AutoDeploy: true }),
        )
      },
    })
  else if (!api.hasDefaultStage)
    changes.push({
      action: 'create',
      kind: 'http api stage',
      name: `${layout.api} $default`,
      reason: 'the auto-deployed stage is missing',
      phase: phase.api,
      run: async ({ clients }) =>
        void (await clients.api.send(
          new CreateStageCommand({ ApiId: api.id, StageName: '$default', AutoDeploy: true }),
        )),
    })
  const httpFunctions = desired.functions.filter((fn) => fn.logical.trigger.type === 'http')
  const wantedArns = new Set(httpFunctions.map((fn) => layout.liveArn(fn.name)))
  for (const fn of httpFunctions) {
    const arn = layout.liveArn(fn.name)
    if (api?.integrations.has(arn)) continue
    changes.push({
      action: 'create',
      kind: 'integration',
      name: fn.name,
      reason: 'AWS_PROXY, payload 2.0',
      phase: phase.integration,
      async run({ clients, facts }) {
        const made = await clients.api.send(
          new CreateIntegrationCommand({
            ApiId: facts.apiId,
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: arn,
            PayloadFormatVersion: '2.0',
            TimeoutInMillis: Math.min(30_000, fn.logical.timeoutSeconds * 1000 + 1000),
          }),
        )
        if (made.IntegrationId) facts.integrations.set(arn, made.IntegrationId)
      },
    })
  }
  const wantedRoutes = new Set<string>()
  for (const route of desired.routes) {
    wantedRoutes.add(route.key)
    const arn = layout.liveArn(layout.function(route.function))
    const current = api?.routes.get(route.key)
    const knownIntegration = api?.integrations.get(arn)
    if (current && knownIntegration && current.target === `integrations/${knownIntegration}`) continue
    changes.push({
      action: current ? 'update' : 'create',
      kind: 'route',
      name: route.key,
      reason: `to ${route.function}`,
      phase: phase.route,
      async run({ clients, facts }) {
        const Target = `integrations/${facts.integrations.get(arn)}`
        if (current)
          await clients.api.send(new UpdateRouteCommand({ ApiId: facts.apiId, RouteId: current.id, Target }))
        else
          await clients.api.send(new CreateRouteCommand({ ApiId: facts.apiId, RouteKey: route.key, Target }))
      },
    })
  }
  if (!api) return changes
  for (const [key, route] of api.routes) {
    if (wantedRoutes.has(key)) continue
    changes.push({
      action: 'delete',
      kind: 'route',
      name: key,
      reason: 'no function serves it any more',
      phase: phase.deleteRoute,
      run: async ({ clients }) =>
        void (await ifExists(() =>
          clients.api.send(new DeleteRouteCommand({ ApiId: api.id, RouteId: route.id })),
        )),
    })
  }
  for (const [arn, id] of api.integrations) {
    if (wantedArns.has(arn)) continue
    changes.push({
      action: 'delete',
      kind: 'integration',
      name: arn.slice(arn.lastIndexOf(':') + 1),
      reason: 'its function no longer serves HTTP',
      phase: phase.deleteIntegration,
      run: async ({ clients }) =>
        void (await ifExists(() =>
          clients.api.send(new DeleteIntegrationCommand({ ApiId: api.id, IntegrationId: id })),
        )),
    })
  }
  return changes
}
