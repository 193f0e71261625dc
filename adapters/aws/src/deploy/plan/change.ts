import type { Change as AnyChange, Sleep } from '@xfn/core'
import type { AwsClients } from '../clients.js'
import type { Observed } from '../observe.js'

/* What a plan is made of, the order changes run in, and what apply learns as it goes. */

export type { ChangeAction } from '@xfn/core'

/** One step of an AWS deploy. */
export type Change = AnyChange<ApplyContext>

/** What apply learns as it goes: values only known once something exists. */
export interface Facts {
  apiKey: string | undefined
  apiId: string | undefined
  apiEndpoint: string | undefined
  readonly queueUrls: Map<string, string>
  /** Integration id by the function ARN it calls. */
  readonly integrations: Map<string, string>
  /** REST API resource id by path. */
  readonly restResources: Map<string, string>
  /** The REST API key and usage plan, once they exist. */
  restKeyId: string | undefined
  usagePlanId: string | undefined
  /** The version each function's alias was pointed at by this deploy, by function name. */
  readonly versions: Map<string, string>
}

export interface ApplyContext {
  readonly clients: AwsClients
  readonly facts: Facts
  readonly sleep: Sleep
  /** How long to retry while IAM propagates a new role. */
  readonly iamTimeoutMs: number
  /** How long to wait for a function update to finish. */
  readonly waitSeconds: number
  readonly warn: (message: string) => void
}

export interface PlanOptions {
  /** Destroy: empty and delete buckets. A deploy deletes a removed bucket only if it is empty. */
  readonly deleteData?: boolean
}

export const phase = {
  apiKey: 1,
  role: 2,
  deadLetterQueue: 3,
  queue: 4,
  bucket: 5,
  topic: 5.2,
  subscription: 5.4,
  function: 6,
  functionCode: 7,
  functionConfig: 8,
  publish: 8.5,
  mapping: 9,
  api: 10,
  permission: 11,
  integration: 12,
  restResource: 12.5,
  route: 13,
  deployment: 13.5,
  usagePlan: 13.7,
  schedule: 14,
  notifications: 15,
  release: 16,
  deleteRoute: 20,
  deleteIntegration: 21,
  deleteSchedule: 22,
  deleteMapping: 23,
  deleteFunction: 24,
  deleteUsagePlan: 24.5,
  deleteApi: 25,
  deleteBucket: 26,
  deleteSubscription: 26.4,
  deleteTopic: 26.6,
  deleteQueue: 27,
  deleteRole: 28,
  deleteApiKey: 29,
} as const

/** The facts known before anything is applied; `api` says which kind of API the app is served by. */
export function initialFacts(observed: Observed, api: 'http' | 'rest'): Facts {
  return {
    apiKey: observed.apiKey,
    apiId: api === 'rest' ? observed.restApi?.id : observed.api?.id,
    apiEndpoint: observed.api?.endpoint,
    queueUrls: new Map([...observed.queues].map(([name, q]) => [name, q.url])),
    integrations: new Map(observed.api?.integrations ?? []),
    restResources: new Map([...(observed.restApi?.resources ?? [])].map(([path, r]) => [path, r.id])),
    restKeyId: observed.usage.apiKey?.id,
    usagePlanId: observed.usage.plan?.id,
    versions: new Map(),
  }
}

/** Tags as the list form IAM, SSM, EventBridge and S3 take. */
export function tagList(tags: Record<string, string>) {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
}
