import { createHash } from 'node:crypto'
import * as rest from '@aws-sdk/client-api-gateway'
import * as apigw from '@aws-sdk/client-apigatewayv2'
import * as cloudtrail from '@aws-sdk/client-cloudtrail'
import * as events from '@aws-sdk/client-eventbridge'
import * as iam from '@aws-sdk/client-iam'
import * as lambda from '@aws-sdk/client-lambda'
import * as s3 from '@aws-sdk/client-s3'
import * as sns from '@aws-sdk/client-sns'
import * as sqs from '@aws-sdk/client-sqs'
import * as ssm from '@aws-sdk/client-ssm'
import * as sts from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import { checkInput } from './service-model.js'

/*
 * A small, stateful stand-in for the AWS control plane, installed with aws-sdk-client-mock: each
 * command the deployer sends reads or changes in-memory state the way the service would, so a
 * second deploy sees what the first made. Every call is recorded in order.
 */

export const account = '123456789012'
export const region = 'eu-west-1'

export interface Call {
  /** The IAM prefix of the service: lambda, iam, sqs, s3, events, apigateway, ssm, sts. */
  readonly service: string
  readonly command: string
  readonly input: Record<string, unknown>
}

class AwsError extends Error {
  readonly $metadata: { httpStatusCode: number }
  constructor(name: string, message: string, status = 400) {
    super(message)
    this.name = name
    this.$metadata = { httpStatusCode: status }
  }
}

const readPrefixes = ['Get', 'List', 'Describe', 'Head']

/** Whether a command changes anything. */
export function isMutating(command: string): boolean {
  return !readPrefixes.some((prefix) => command.startsWith(prefix))
}

type Handler = (input: never) => unknown

type Statements = Map<string, { principal: string; source: string }>

interface FakeFunction {
  /** `$LATEST`. */
  config: lambda.FunctionConfiguration
  tags: Record<string, string>
  statements: Statements
  /** Published versions by number: each a snapshot of `$LATEST` when published. */
  versions: Map<string, lambda.FunctionConfiguration>
  aliases: Map<string, { version: string; description: string | undefined; statements: Statements }>
}

/** What a published version holds besides its code: the configuration PublishVersion compares. */
const versionedConfiguration = (c: lambda.FunctionConfiguration) =>
  JSON.stringify([
    c.Role,
    c.Handler,
    c.Runtime,
    c.MemorySize,
    c.Timeout,
    c.Environment,
    c.VpcConfig,
    c.LoggingConfig,
  ])

export class FakeAws {
  readonly calls: Call[] = []
  readonly params = new Map<string, { value: string; tags: unknown; changedAt?: Date; type?: string }>()
  readonly roles = new Map<string, { path: string; policy?: string; tags: unknown }>()
  readonly queues = new Map<string, { attributes: Record<string, string>; tags: Record<string, string> }>()
  readonly buckets = new Map<
    string,
    { tags: s3.Tag[]; notifications: s3.NotificationConfiguration; objects: Set<string> }
  >()
  /** SNS topics by ARN, each with its subscriptions by ARN. */
  readonly topics = new Map<
    string,
    {
      tags: sns.Tag[]
      subscriptions: Map<string, { protocol: string; endpoint: string; attributes: Record<string, string> }>
    }
  >()
  readonly functions = new Map<string, FakeFunction>()
  readonly mappings = new Map<string, lambda.EventSourceMappingConfiguration>()
  readonly rules = new Map<string, { expression: string; tags: events.Tag[]; targets: events.Target[] }>()
  readonly apis = new Map<
    string,
    {
      name: string
      tags: Record<string, string>
      stages: Set<string>
      integrations: Map<string, string>
      routes: Map<string, { key: string; target: string }>
    }
  >()
  readonly restApis = new Map<
    string,
    {
      name: string
      tags: Record<string, string>
      resources: Map<
        string,
        { path: string; methods: Map<string, { apiKeyRequired: boolean; uri?: string }> }
      >
      stages: Set<string>
      /** The deployment each stage serves. */
      published: Map<string, { id: string; description: string }>
      responses: Map<string, string>
    }
  >()
  readonly apiKeys = new Map<string, { name: string; value: string; tags: Record<string, string> }>()
  readonly usagePlans = new Map<
    string,
    {
      name: string
      tags: Record<string, string>
      throttle?: rest.ThrottleSettings
      quota?: rest.QuotaSettings
      stages: string[]
      keys: Set<string>
    }
  >()
  /**
   * The account's CloudTrail management events, as LookupEvents answers them (EventTime as the
   * service's JSON gives it); a test sets them from recorded responses.
   */
  trail: (Omit<cloudtrail.Event, 'EventTime'> & { EventTime?: string })[] = []
  /** How many more CreateFunction calls fail because a new role is not yet assumable. */
  roleNotAssumable = 0
  /** Time each call takes, to stand for the network and the service in benchmarks. */
  latencyMs = 0
  readonly #failures = new Map<string, Error>()
  readonly #stubs: { restore(): void }[] = []
  #ids = 0

  constructor() {
    this.#install()
  }

  /** Makes the next call of a command fail with an error, as an interrupted deploy would see. */
  failNext(command: string, error: Error = new AwsError('InternalFailure', 'the connection was reset', 500)) {
    this.#failures.set(command, error)
  }

  mutatingCalls(): Call[] {
    return this.calls.filter((c) => isMutating(c.command))
  }

  reset(): void {
    this.calls.length = 0
  }

  restore(): void {
    for (const stub of this.#stubs) stub.restore()
  }

  #id(prefix: string): string {
    this.#ids++
    return `${prefix}${String(this.#ids).padStart(6, '0')}`
  }

  #on<T>(
    service: string,
    client: new (config: object) => T,
    handlers: Record<string, Handler>,
    module: Record<string, unknown>,
    /** The service model the requests are checked against (see service-model.ts). */
    model: string = service,
  ) {
    const stub = mockClient(client as never)
    this.#stubs.push(stub)
    for (const [name, handler] of Object.entries(handlers)) {
      stub.on(module[`${name}Command`] as never).callsFake(async (input: Record<string, unknown>) => {
        this.calls.push({ service, command: name, input })
        const refused = checkInput(model, name, input)
        if (refused.length > 0) throw new AwsError('ValidationException', refused.join('; '), 400)
        if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs))
        const failure = this.#failures.get(name)
        if (failure) {
          this.#failures.delete(name)
          throw failure
        }
        return handler(input as never)
      })
    }
  }

  #install(): void {
    this.#on(
      'sts',
      sts.STSClient,
      { GetCallerIdentity: () => ({ Account: account, Arn: `arn:aws:iam::${account}:user/deployer` }) },
      sts,
    )
    this.#installSsm()
    this.#installIam()
    this.#installSqs()
    this.#installSns()
    this.#installS3()
    this.#installLambda()
    this.#installEvents()
    this.#installApi()
    this.#installRest()
    this.#installCloudTrail()
  }

  #installCloudTrail(): void {
    this.#on(
      'cloudtrail',
      cloudtrail.CloudTrailClient,
      {
        LookupEvents: ({
          LookupAttributes,
          StartTime,
          EndTime,
          MaxResults,
          NextToken,
        }: cloudtrail.LookupEventsRequest) => {
          if ((LookupAttributes ?? []).length > 1)
            throw new AwsError(
              'InvalidLookupAttributesException',
              'You can specify at most one lookup attribute.',
            )
          const [attribute] = LookupAttributes ?? []
          const sourceOf = (e: { EventSource?: string | undefined; CloudTrailEvent?: string | undefined }) =>
            e.EventSource ?? (JSON.parse(e.CloudTrailEvent ?? '{}') as { eventSource?: string }).eventSource
          const matching = this.trail
            .map((e) => ({ ...e, EventTime: e.EventTime === undefined ? undefined : new Date(e.EventTime) }))
            .filter(
              (e) =>
                (attribute?.AttributeKey !== 'EventSource' || sourceOf(e) === attribute.AttributeValue) &&
                (!StartTime || (e.EventTime && e.EventTime >= StartTime)) &&
                (!EndTime || (e.EventTime && e.EventTime <= EndTime)),
            )
            // The newest first, as CloudTrail answers.
            .sort((a, b) => (b.EventTime?.getTime() ?? 0) - (a.EventTime?.getTime() ?? 0))
          const start = Number(NextToken ?? 0)
          const size = MaxResults ?? 50
          const page = matching.slice(start, start + size)
          return {
            Events: page,
            ...(start + size < matching.length ? { NextToken: String(start + size) } : {}),
          }
        },
      },
      cloudtrail,
    )
  }

  #installRest(): void {
    const api = (id: string | undefined) => {
      const found = this.restApis.get(id ?? '')
      if (!found) throw new AwsError('NotFoundException', `Invalid API identifier specified ${id}`, 404)
      return found
    }
    const resource = (apiId: string | undefined, id: string | undefined) => {
      const found = api(apiId).resources.get(id ?? '')
      if (!found) throw new AwsError('NotFoundException', 'Invalid Resource identifier specified', 404)
      return found
    }
    const plan = (id: string | undefined) => {
      const found = this.usagePlans.get(id ?? '')
      if (!found) throw new AwsError('NotFoundException', 'Invalid Usage Plan ID specified', 404)
      return found
    }
    this.#on(
      'apigateway',
      rest.APIGatewayClient,
      {
        GetRestApis: () => ({
          items: [...this.restApis].map(([id, a]) => ({ id, name: a.name, tags: a.tags })),
        }),
        CreateRestApi: ({ name, tags }: rest.CreateRestApiRequest) => {
          const id = this.#id('rest')
          const rootResourceId = this.#id('res')
          this.restApis.set(id, {
            name: name ?? '',
            tags: tags ?? {},
            resources: new Map([[rootResourceId, { path: '/', methods: new Map() }]]),
            stages: new Set(),
            published: new Map(),
            responses: new Map(),
          })
          return { id, rootResourceId }
        },
        GetResources: ({ restApiId }: rest.GetResourcesRequest) => ({
          items: [...api(restApiId).resources].map(([id, r]) => ({
            id,
            path: r.path,
            resourceMethods: Object.fromEntries(
              [...r.methods].map(([m, v]) => [
                m,
                { apiKeyRequired: v.apiKeyRequired, methodIntegration: { uri: v.uri } },
              ]),
            ),
          })),
        }),
        CreateResource: ({ restApiId, parentId, pathPart }: rest.CreateResourceRequest) => {
          const parent = resource(restApiId, parentId)
          const path = `${parent.path === '/' ? '' : parent.path}/${pathPart}`
          const found = api(restApiId)
          if ([...found.resources.values()].some((r) => r.path === path))
            throw new AwsError(
              'ConflictException',
              'Another resource with the same parent already has this name',
              409,
            )
          const id = this.#id('res')
          found.resources.set(id, { path, methods: new Map() })
          return { id, path }
        },
        DeleteResource: ({ restApiId, resourceId }: rest.DeleteResourceRequest) => {
          const { path } = resource(restApiId, resourceId)
          const found = api(restApiId)
          for (const [id, r] of found.resources)
            if (r.path === path || r.path.startsWith(`${path}/`)) found.resources.delete(id)
          return {}
        },
        PutMethod: ({ restApiId, resourceId, httpMethod, apiKeyRequired }: rest.PutMethodRequest) => {
          const found = resource(restApiId, resourceId)
          if (found.methods.has(httpMethod ?? ''))
            throw new AwsError('ConflictException', 'Method already exists for this resource', 409)
          found.methods.set(httpMethod ?? '', { apiKeyRequired: apiKeyRequired ?? false })
          return {}
        },
        DeleteMethod: ({ restApiId, resourceId, httpMethod }: rest.DeleteMethodRequest) => {
          if (!resource(restApiId, resourceId).methods.delete(httpMethod ?? ''))
            throw new AwsError('NotFoundException', 'Invalid Method identifier specified', 404)
          return {}
        },
        PutIntegration: ({ restApiId, resourceId, httpMethod, uri }: rest.PutIntegrationRequest) => {
          const method = resource(restApiId, resourceId).methods.get(httpMethod ?? '')
          if (!method) throw new AwsError('NotFoundException', 'Invalid Method identifier specified', 404)
          method.uri = uri
          return {}
        },
        CreateDeployment: ({ restApiId, stageName, description }: rest.CreateDeploymentRequest) => {
          const id = this.#id('dep')
          api(restApiId).stages.add(stageName ?? '')
          api(restApiId).published.set(stageName ?? '', { id, description: description ?? '' })
          return { id, description }
        },
        GetStages: ({ restApiId }: rest.GetStagesRequest) => ({
          item: [...api(restApiId).stages].map((stageName) => ({
            stageName,
            deploymentId: api(restApiId).published.get(stageName)?.id,
          })),
        }),
        GetDeployment: ({ restApiId, deploymentId }: rest.GetDeploymentRequest) => {
          const found = [...api(restApiId).published.values()].find((d) => d.id === deploymentId)
          if (!found) throw new AwsError('NotFoundException', 'Invalid Deployment identifier specified', 404)
          return found
        },
        GetGatewayResponses: ({ restApiId }: rest.GetGatewayResponsesRequest) => ({
          items: [...api(restApiId).responses].map(([responseType, statusCode]) => ({
            responseType,
            statusCode,
            defaultResponse: false,
          })),
        }),
        PutGatewayResponse: ({ restApiId, responseType, statusCode }: rest.PutGatewayResponseRequest) => {
          api(restApiId).responses.set(responseType ?? '', statusCode ?? '')
          return {}
        },
        DeleteRestApi: ({ restApiId }: rest.DeleteRestApiRequest) => {
          api(restApiId)
          if ([...this.usagePlans.values()].some((p) => p.stages.some((s) => s.startsWith(`${restApiId}:`))))
            throw new AwsError(
              'BadRequestException',
              'Cannot delete an API that is associated with a usage plan',
              400,
            )
          this.restApis.delete(restApiId ?? '')
          return {}
        },
        GetApiKeys: ({ nameQuery }: rest.GetApiKeysRequest) => ({
          items: [...this.apiKeys]
            .filter(([, k]) => k.name.startsWith(nameQuery ?? ''))
            .map(([id, k]) => ({ id, name: k.name, value: k.value, tags: k.tags })),
        }),
        CreateApiKey: ({ name, value, tags }: rest.CreateApiKeyRequest) => {
          const id = this.#id('key')
          this.apiKeys.set(id, { name: name ?? '', value: value ?? '', tags: tags ?? {} })
          return { id }
        },
        DeleteApiKey: ({ apiKey }: rest.DeleteApiKeyRequest) => {
          if (!this.apiKeys.delete(apiKey ?? ''))
            throw new AwsError('NotFoundException', 'Invalid API Key identifier specified', 404)
          for (const p of this.usagePlans.values()) p.keys.delete(apiKey ?? '')
          return {}
        },
        GetUsagePlans: () => ({
          items: [...this.usagePlans].map(([id, p]) => ({
            id,
            name: p.name,
            tags: p.tags,
            throttle: p.throttle,
            quota: p.quota,
            apiStages: p.stages.map((s) => ({ apiId: s.split(':')[0], stage: s.split(':')[1] })),
          })),
        }),
        CreateUsagePlan: ({ name, tags, throttle, quota, apiStages }: rest.CreateUsagePlanRequest) => {
          for (const stage of apiStages ?? [])
            if (!api(stage.apiId).stages.has(stage.stage ?? ''))
              throw new AwsError('NotFoundException', `Invalid stage identifier specified`, 404)
          const id = this.#id('plan')
          this.usagePlans.set(id, {
            name: name ?? '',
            tags: tags ?? {},
            ...(throttle ? { throttle } : {}),
            ...(quota ? { quota } : {}),
            stages: (apiStages ?? []).map((s) => `${s.apiId}:${s.stage}`),
            keys: new Set(),
          })
          return { id }
        },
        UpdateUsagePlan: ({ usagePlanId, patchOperations }: rest.UpdateUsagePlanRequest) => {
          const found = plan(usagePlanId)
          for (const op of patchOperations ?? []) {
            // JSON Patch (RFC 6902, which API Gateway's patch operations follow): 'replace' needs
            // the target to exist; an absent quota is added.
            if (op.op === 'replace' && op.path?.startsWith('/quota/') && !found.quota)
              throw new AwsError('BadRequestException', `Invalid patch path ${op.path}: no quota to replace`)
            if (op.path === '/apiStages' && op.op === 'add') found.stages.push(op.value ?? '')
            if (op.path === '/apiStages' && op.op === 'remove')
              found.stages = found.stages.filter((s) => s !== op.value)
            if (op.path === '/throttle/rateLimit')
              found.throttle = { ...found.throttle, rateLimit: Number(op.value) }
            if (op.path === '/throttle/burstLimit')
              found.throttle = { ...found.throttle, burstLimit: Number(op.value) }
            if (op.path === '/quota/limit') found.quota = { ...found.quota, limit: Number(op.value) }
            if (op.path === '/quota/offset') found.quota = { ...found.quota, offset: Number(op.value) }
            if (op.path === '/quota/period')
              found.quota = { ...found.quota, period: op.value as rest.QuotaPeriodType }
            if (op.path === '/quota' && op.op === 'remove') delete found.quota
          }
          return {}
        },
        DeleteUsagePlan: ({ usagePlanId }: rest.DeleteUsagePlanRequest) => {
          if (plan(usagePlanId).stages.length > 0)
            throw new AwsError(
              'BadRequestException',
              'Cannot delete Usage Plan with associated API stages',
              400,
            )
          this.usagePlans.delete(usagePlanId ?? '')
          return {}
        },
        GetUsagePlanKeys: ({ usagePlanId }: rest.GetUsagePlanKeysRequest) => ({
          items: [...plan(usagePlanId).keys].map((id) => ({ id, type: 'API_KEY' })),
        }),
        CreateUsagePlanKey: ({ usagePlanId, keyId }: rest.CreateUsagePlanKeyRequest) => {
          if (!this.apiKeys.has(keyId ?? ''))
            throw new AwsError('NotFoundException', 'Invalid API Key identifier specified', 404)
          plan(usagePlanId).keys.add(keyId ?? '')
          return { id: keyId }
        },
      },
      rest,
    )
  }

  #installSsm(): void {
    this.#on(
      'ssm',
      ssm.SSMClient,
      {
        GetParameter: ({ Name }: ssm.GetParameterRequest) => {
          const found = this.params.get(Name ?? '')
          if (!found) throw new AwsError('ParameterNotFound', 'ParameterNotFound')
          return { Parameter: { Name, Value: found.value } }
        },
        PutParameter: ({ Name, Value, Tags, Overwrite, Type, Tier }: ssm.PutParameterRequest) => {
          const existing = this.params.get(Name ?? '')
          // The API reference: a standard parameter holds up to 4 KB, an advanced one 8 KB;
          // Intelligent-Tiering makes it advanced when it must.
          const limit = Tier === 'Advanced' || Tier === 'Intelligent-Tiering' ? 8192 : 4096
          if ((Value ?? '').length > limit)
            throw new AwsError('ValidationException', `Parameter value is longer than ${limit} characters.`)
          if (existing && !Overwrite)
            throw new AwsError('ParameterAlreadyExists', 'The parameter already exists.')
          // The API reference: tags cannot be given with Overwrite.
          if (Overwrite && Tags)
            throw new AwsError(
              'ValidationException',
              'Invalid request: tags and overwrite cannot both be specified.',
            )
          this.params.set(Name ?? '', {
            value: Value ?? '',
            tags: Tags ?? existing?.tags,
            changedAt: new Date(),
            type: Type ?? existing?.type ?? 'String',
          })
          return { Version: 1 }
        },
        GetParametersByPath: ({ Path, WithDecryption }: ssm.GetParametersByPathRequest) => ({
          Parameters: [...this.params]
            .filter(([name]) => name.startsWith(Path ?? '') && !name.slice((Path ?? '').length).includes('/'))
            .map(([Name, p]) => ({
              Name,
              Type: p.type ?? 'SecureString',
              Value:
                WithDecryption || (p.type ?? 'SecureString') !== 'SecureString'
                  ? p.value
                  : 'AQICAHh-encrypted',
              LastModifiedDate: p.changedAt,
            })),
        }),
        DeleteParameter: ({ Name }: ssm.DeleteParameterRequest) => {
          if (!this.params.delete(Name ?? '')) throw new AwsError('ParameterNotFound', 'ParameterNotFound')
          return {}
        },
        DeleteParameters: ({ Names }: ssm.DeleteParametersRequest) => {
          const deleted = (Names ?? []).filter((name) => this.params.delete(name))
          return {
            DeletedParameters: deleted,
            InvalidParameters: (Names ?? []).filter((n) => !deleted.includes(n)),
          }
        },
      },
      ssm,
    )
  }

  #installIam(): void {
    const role = (name: string | undefined) => {
      const found = this.roles.get(name ?? '')
      if (!found)
        throw new AwsError('NoSuchEntityException', `The role with name ${name} cannot be found.`, 404)
      return found
    }
    this.#on(
      'iam',
      iam.IAMClient,
      {
        ListRoles: ({ PathPrefix }: iam.ListRolesRequest) => ({
          Roles: [...this.roles]
            .filter(([, r]) => r.path.startsWith(PathPrefix ?? '/'))
            .map(([RoleName, r]) => ({
              RoleName,
              Path: r.path,
              Arn: `arn:aws:iam::${account}:role${r.path}${RoleName}`,
            })),
          IsTruncated: false,
        }),
        GetRolePolicy: ({ RoleName }: iam.GetRolePolicyRequest) => {
          const found = role(RoleName)
          if (!found.policy) throw new AwsError('NoSuchEntityException', 'no policy', 404)
          return { PolicyDocument: encodeURIComponent(found.policy) }
        },
        CreateRole: ({ RoleName, Path, Tags }: iam.CreateRoleRequest) => {
          if (this.roles.has(RoleName ?? ''))
            throw new AwsError('EntityAlreadyExistsException', 'exists', 409)
          this.roles.set(RoleName ?? '', { path: Path ?? '/', tags: Tags })
          return { Role: { RoleName, Arn: `arn:aws:iam::${account}:role${Path}${RoleName}` } }
        },
        PutRolePolicy: ({ RoleName, PolicyDocument }: iam.PutRolePolicyRequest) => {
          role(RoleName).policy = PolicyDocument
          return {}
        },
        DeleteRolePolicy: ({ RoleName }: iam.DeleteRolePolicyRequest) => {
          const found = role(RoleName)
          if (!found.policy) throw new AwsError('NoSuchEntityException', 'no policy', 404)
          found.policy = undefined
          return {}
        },
        DeleteRole: ({ RoleName }: iam.DeleteRoleRequest) => {
          if (role(RoleName).policy) throw new AwsError('DeleteConflictException', 'policies attached', 409)
          this.roles.delete(RoleName ?? '')
          return {}
        },
      },
      iam,
    )
  }

  #queueUrl(name: string): string {
    return `https://sqs.${region}.amazonaws.com/${account}/${name}`
  }

  #installSqs(): void {
    const byUrl = (url: string | undefined) => {
      const name = (url ?? '').slice((url ?? '').lastIndexOf('/') + 1)
      const found = this.queues.get(name)
      if (!found) throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.')
      return { name, found }
    }
    this.#on(
      'sqs',
      sqs.SQSClient,
      {
        ListQueues: ({ QueueNamePrefix }: sqs.ListQueuesRequest) => ({
          QueueUrls: [...this.queues.keys()]
            .filter((n) => n.startsWith(QueueNamePrefix ?? ''))
            .map((n) => this.#queueUrl(n)),
        }),
        ListQueueTags: ({ QueueUrl }: sqs.ListQueueTagsRequest) => ({ Tags: byUrl(QueueUrl).found.tags }),
        GetQueueAttributes: ({ QueueUrl }: sqs.GetQueueAttributesRequest) => {
          const { name, found } = byUrl(QueueUrl)
          return { Attributes: { ...found.attributes, QueueArn: `arn:aws:sqs:${region}:${account}:${name}` } }
        },
        CreateQueue: ({ QueueName, Attributes, tags }: sqs.CreateQueueRequest) => {
          const name = QueueName ?? ''
          const existing = this.queues.get(name)
          if (existing && JSON.stringify(existing.attributes) !== JSON.stringify(Attributes ?? {}))
            throw new AwsError(
              'QueueAlreadyExists',
              'A queue already exists with the same name and a different value for attribute(s)',
            )
          this.queues.set(name, {
            attributes: { VisibilityTimeout: '30', MessageRetentionPeriod: '345600', ...Attributes },
            tags: tags ?? {},
          })
          return { QueueUrl: this.#queueUrl(name) }
        },
        SetQueueAttributes: ({ QueueUrl, Attributes }: sqs.SetQueueAttributesRequest) => {
          Object.assign(byUrl(QueueUrl).found.attributes, Attributes)
          return {}
        },
        DeleteQueue: ({ QueueUrl }: sqs.DeleteQueueRequest) => {
          this.queues.delete(byUrl(QueueUrl).name)
          return {}
        },
      },
      sqs,
    )
  }

  /**
   * SNS as its API reference describes it: CreateTopic and Subscribe return what exists when
   * called again alike and refuse a difference; DeleteTopic takes the subscriptions with it and
   * succeeds on a topic that does not exist; a subscription's settable attributes are checked.
   */
  /**
   * Lambda refuses to put a function in a VPC unless its role may make network interfaces (the
   * Lambda developer guide, "Giving Lambda functions access to resources in an Amazon VPC").
   */
  #checkVpcRole(roleArn: string | undefined, vpc: lambda.VpcConfig | undefined): void {
    if ((vpc?.SubnetIds ?? []).length === 0) return
    const policy = this.roles.get(roleArn?.split('/').at(-1) ?? '')?.policy ?? ''
    if (!policy.includes('ec2:CreateNetworkInterface'))
      throw new AwsError(
        'InvalidParameterValueException',
        'The provided execution role does not have permissions to call CreateNetworkInterface on EC2',
      )
  }

  #installSns(): void {
    const topic = (arn: string | undefined) => {
      const found = this.topics.get(arn ?? '')
      if (!found) throw new AwsError('NotFound', 'Topic does not exist', 404)
      return found
    }
    const subscription = (arn: string | undefined) => {
      for (const found of this.topics.values()) {
        const sub = found.subscriptions.get(arn ?? '')
        if (sub) return sub
      }
      throw new AwsError('NotFound', 'Subscription does not exist', 404)
    }
    const settable = [
      'DeliveryPolicy',
      'FilterPolicy',
      'FilterPolicyScope',
      'RawMessageDelivery',
      'RedrivePolicy',
    ]
    const checkAttribute = (name: string, value: string) => {
      const invalid = (why: string) => new AwsError('InvalidParameter', `Invalid parameter: ${name}: ${why}`)
      if (!settable.includes(name)) throw invalid('not a settable attribute')
      if (name === 'RawMessageDelivery' && value !== 'true' && value !== 'false')
        throw invalid('true or false')
      if (name === 'FilterPolicyScope' && value !== 'MessageAttributes' && value !== 'MessageBody')
        throw invalid('MessageAttributes or MessageBody')
      if (name === 'FilterPolicy' || name === 'RedrivePolicy') {
        let parsed: unknown
        try {
          parsed = JSON.parse(value)
        } catch {
          throw invalid('not JSON')
        }
        if (name === 'FilterPolicy') {
          const keys = Object.values(parsed as Record<string, unknown[]>)
          if (keys.length > 5) throw invalid('Filter policy can not have more than 5 keys')
          if (keys.reduce((n, values) => n * values.length, 1) > 150)
            throw invalid('Filter policy is too complex')
        }
      }
    }
    this.#on(
      'sns',
      sns.SNSClient,
      {
        ListTopics: () => ({ Topics: [...this.topics.keys()].map((TopicArn) => ({ TopicArn })) }),
        ListTagsForResource: ({ ResourceArn }: sns.ListTagsForResourceRequest) => ({
          Tags: topic(ResourceArn).tags,
        }),
        CreateTopic: ({ Name, Tags }: sns.CreateTopicInput) => {
          const arn = `arn:aws:sns:${region}:${account}:${Name}`
          const existing = this.topics.get(arn)
          if (existing && JSON.stringify(existing.tags) !== JSON.stringify(Tags ?? []))
            throw new AwsError(
              'InvalidParameter',
              'Invalid parameter: Tags Reason: Topic already exists with different tags',
            )
          if (!existing) this.topics.set(arn, { tags: Tags ?? [], subscriptions: new Map() })
          return { TopicArn: arn }
        },
        DeleteTopic: ({ TopicArn }: sns.DeleteTopicInput) => {
          this.topics.delete(TopicArn ?? '')
          return {}
        },
        ListSubscriptionsByTopic: ({ TopicArn }: sns.ListSubscriptionsByTopicInput) => ({
          Subscriptions: [...topic(TopicArn).subscriptions].map(([SubscriptionArn, s]) => ({
            SubscriptionArn,
            Owner: account,
            Protocol: s.protocol,
            Endpoint: s.endpoint,
            TopicArn,
          })),
        }),
        GetSubscriptionAttributes: ({ SubscriptionArn }: sns.GetSubscriptionAttributesInput) => {
          const found = subscription(SubscriptionArn)
          return {
            Attributes: {
              ...found.attributes,
              SubscriptionArn: SubscriptionArn ?? '',
              Protocol: found.protocol,
              Endpoint: found.endpoint,
              PendingConfirmation: 'false',
              ConfirmationWasAuthenticated: 'true',
            },
          }
        },
        Subscribe: ({ TopicArn, Protocol, Endpoint, Attributes }: sns.SubscribeInput) => {
          const found = topic(TopicArn)
          for (const [name, value] of Object.entries(Attributes ?? {})) checkAttribute(name, value)
          if (Protocol === 'sqs' && !Endpoint?.startsWith('arn:aws:sqs:'))
            throw new AwsError('InvalidParameter', 'Invalid parameter: SQS endpoint ARN')
          for (const [arn, s] of found.subscriptions) {
            if (s.protocol !== Protocol || s.endpoint !== Endpoint) continue
            if (JSON.stringify(s.attributes) !== JSON.stringify(Attributes ?? {}))
              throw new AwsError(
                'InvalidParameter',
                'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
              )
            return { SubscriptionArn: arn }
          }
          const arn = `${TopicArn}:${this.#id('sub')}`
          found.subscriptions.set(arn, {
            protocol: Protocol ?? '',
            endpoint: Endpoint ?? '',
            attributes: { ...Attributes },
          })
          return { SubscriptionArn: arn }
        },
        SetSubscriptionAttributes: ({
          SubscriptionArn,
          AttributeName,
          AttributeValue,
        }: sns.SetSubscriptionAttributesInput) => {
          const found = subscription(SubscriptionArn)
          checkAttribute(AttributeName ?? '', AttributeValue ?? '')
          if (AttributeName === 'FilterPolicy' && AttributeValue === '{}')
            delete found.attributes.FilterPolicy
          else found.attributes[AttributeName ?? ''] = AttributeValue ?? ''
          return {}
        },
        Unsubscribe: ({ SubscriptionArn }: sns.UnsubscribeInput) => {
          for (const found of this.topics.values())
            if (found.subscriptions.delete(SubscriptionArn ?? '')) return {}
          throw new AwsError('NotFound', 'Subscription does not exist', 404)
        },
      },
      sns,
    )
  }

  #installS3(): void {
    const bucket = (name: string | undefined) => {
      const found = this.buckets.get(name ?? '')
      if (!found) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404)
      return found
    }
    this.#on(
      's3',
      s3.S3Client,
      {
        ListBuckets: ({ Prefix }: s3.ListBucketsRequest) => ({
          Buckets: [...this.buckets.keys()]
            .filter((n) => n.startsWith(Prefix ?? ''))
            .map((Name) => ({ Name })),
        }),
        HeadBucket: ({ Bucket }: s3.HeadBucketRequest) => {
          bucket(Bucket)
          return {}
        },
        GetBucketTagging: ({ Bucket }: s3.GetBucketTaggingRequest) => {
          const found = bucket(Bucket)
          if (found.tags.length === 0) throw new AwsError('NoSuchTagSet', 'The TagSet does not exist', 404)
          return { TagSet: found.tags }
        },
        GetBucketNotificationConfiguration: ({ Bucket }: s3.GetBucketNotificationConfigurationRequest) =>
          structuredClone(bucket(Bucket).notifications),
        CreateBucket: ({ Bucket }: s3.CreateBucketRequest) => {
          if (this.buckets.has(Bucket ?? ''))
            throw new AwsError(
              'BucketAlreadyOwnedByYou',
              'Your previous request to create the named bucket succeeded',
              409,
            )
          this.buckets.set(Bucket ?? '', { tags: [], notifications: {}, objects: new Set() })
          return {}
        },
        PutBucketTagging: ({ Bucket, Tagging }: s3.PutBucketTaggingRequest) => {
          bucket(Bucket).tags = Tagging?.TagSet ?? []
          return {}
        },
        PutBucketNotificationConfiguration: ({
          Bucket,
          NotificationConfiguration,
        }: s3.PutBucketNotificationConfigurationRequest) => {
          for (const config of NotificationConfiguration?.LambdaFunctionConfigurations ?? []) {
            const name = config.LambdaFunctionArn?.split(':').at(-1) ?? ''
            const fn = this.functions.get(name)
            if (fn && ![...fn.statements.values()].some((s) => s.principal === 's3.amazonaws.com'))
              throw new AwsError(
                'InvalidArgument',
                'Unable to validate the following destination configurations',
              )
          }
          bucket(Bucket).notifications = structuredClone(NotificationConfiguration ?? {})
          return {}
        },
        ListObjectsV2: ({ Bucket }: s3.ListObjectsV2Request) => {
          const keys = [...bucket(Bucket).objects]
          return { KeyCount: keys.length, Contents: keys.map((Key) => ({ Key })), IsTruncated: false }
        },
        DeleteObjects: ({ Bucket, Delete }: s3.DeleteObjectsRequest) => {
          for (const object of Delete?.Objects ?? []) bucket(Bucket).objects.delete(object.Key ?? '')
          return {}
        },
        DeleteBucket: ({ Bucket }: s3.DeleteBucketRequest) => {
          if (bucket(Bucket).objects.size > 0)
            throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409)
          this.buckets.delete(Bucket ?? '')
          return {}
        },
      },
      s3,
    )
  }

  /**
   * The code a function ARN or name runs: an alias's version's, a version's, or `$LATEST`'s, as
   * Lambda resolves it when a trigger invokes it.
   */
  codeBehind(arnOrName: string): string | undefined {
    const [name = '', qualifier] = arnOrName.replace(/^arn:aws:lambda:[^:]+:\d+:function:/, '').split(':')
    const found = this.functions.get(name)
    if (!found) return undefined
    if (qualifier === undefined || qualifier === '$LATEST') return found.config.CodeSha256
    const version = found.aliases.get(qualifier)?.version ?? qualifier
    return found.versions.get(version)?.CodeSha256
  }

  /** What every trigger the app has invokes: a function ARN for each route, mapping, rule and notification. */
  triggerTargets(): { trigger: string; arn: string }[] {
    const targets: { trigger: string; arn: string }[] = []
    for (const api of this.apis.values())
      for (const route of api.routes.values()) {
        const arn = api.integrations.get(route.target.replace('integrations/', ''))
        if (arn) targets.push({ trigger: `route ${route.key}`, arn })
      }
    for (const api of this.restApis.values())
      for (const resource of api.resources.values())
        for (const [method, m] of resource.methods)
          if (m.uri)
            targets.push({
              trigger: `method ${method} ${resource.path}`,
              arn: m.uri.replace(/^.*\/functions\//, '').replace(/\/invocations$/, ''),
            })
    for (const mapping of this.mappings.values())
      targets.push({ trigger: `mapping ${mapping.EventSourceArn}`, arn: mapping.FunctionArn ?? '' })
    for (const [name, rule] of this.rules)
      for (const target of rule.targets) targets.push({ trigger: `rule ${name}`, arn: target.Arn ?? '' })
    for (const [name, bucket] of this.buckets)
      for (const c of bucket.notifications.LambdaFunctionConfigurations ?? [])
        targets.push({ trigger: `notification ${name} ${c.Id}`, arn: c.LambdaFunctionArn ?? '' })
    return targets
  }

  #installLambda(): void {
    const unqualified = (name: string | undefined) =>
      (name ?? '').replace(/^arn:aws:lambda:[^:]+:\d+:function:/, '').split(':')[0] ?? ''
    const fn = (name: string | undefined) => {
      const found = this.functions.get(unqualified(name))
      if (!found) throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404)
      return found
    }
    const alias = (name: string | undefined, qualifier: string | undefined) => {
      const found = fn(name).aliases.get(qualifier ?? '')
      if (!found)
        throw new AwsError('ResourceNotFoundException', `Alias not found: ${name}:${qualifier}`, 404)
      return found
    }
    /** The statements of the function, or of its alias when qualified (Lambda keeps a policy per qualifier). */
    const statementsOf = (name: string | undefined, qualifier: string | undefined) =>
      qualifier === undefined ? fn(name).statements : alias(name, qualifier).statements
    /** `name` or `name:qualifier`, as a mapping's FunctionName, to the ARN Lambda reports. */
    const qualifiedArn = (name: string | undefined) => {
      const [, qualifier] = (name ?? '').replace(/^arn:aws:lambda:[^:]+:\d+:function:/, '').split(':')
      const found = fn(name)
      if (qualifier !== undefined && !found.aliases.has(qualifier) && !found.versions.has(qualifier))
        throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404)
      return `${found.config.FunctionArn}${qualifier === undefined ? '' : `:${qualifier}`}`
    }
    const sha = (zip: Uint8Array | undefined) =>
      createHash('sha256')
        .update(zip ?? new Uint8Array())
        .digest('base64')
    this.#on(
      'lambda',
      lambda.LambdaClient,
      {
        ListFunctions: () => ({
          Functions: [...this.functions.values()].map((f) => ({ FunctionName: f.config.FunctionName })),
        }),
        GetFunction: ({ FunctionName }: lambda.GetFunctionRequest) => {
          const found = fn(FunctionName)
          return { Configuration: structuredClone(found.config), Tags: { ...found.tags } }
        },
        GetPolicy: ({ FunctionName, Qualifier }: lambda.GetPolicyRequest) => {
          const statements = statementsOf(FunctionName, Qualifier)
          if (statements.size === 0)
            throw new AwsError('ResourceNotFoundException', 'No policy is associated', 404)
          return {
            Policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [...statements].map(([Sid, s]) => ({
                Sid,
                Effect: 'Allow',
                Principal: { Service: s.principal },
                Action: 'lambda:InvokeFunction',
                Condition: { ArnLike: { 'AWS:SourceArn': s.source } },
              })),
            }),
          }
        },
        ListEventSourceMappings: ({ FunctionName }: lambda.ListEventSourceMappingsRequest) => ({
          EventSourceMappings: [...this.mappings.values()].filter(
            (m) => m.FunctionArn === qualifiedArn(FunctionName),
          ),
        }),
        ListAliases: ({ FunctionName }: lambda.ListAliasesRequest) => ({
          Aliases: [...fn(FunctionName).aliases].map(([Name, a]) => ({
            Name,
            FunctionVersion: a.version,
            Description: a.description,
            AliasArn: `${fn(FunctionName).config.FunctionArn}:${Name}`,
          })),
        }),
        ListVersionsByFunction: ({ FunctionName }: lambda.ListVersionsByFunctionRequest) => {
          const found = fn(FunctionName)
          return {
            Versions: [
              { ...structuredClone(found.config), Version: '$LATEST' },
              ...[...found.versions.values()].map((v) => structuredClone(v)),
            ],
          }
        },
        PublishVersion: ({ FunctionName, CodeSha256, Description }: lambda.PublishVersionRequest) => {
          const found = fn(FunctionName)
          if (CodeSha256 !== undefined && CodeSha256 !== found.config.CodeSha256)
            throw new AwsError(
              'InvalidParameterValueException',
              'CodeSHA256 does not match the function code.',
              400,
            )
          if (found.config.LastUpdateStatus === 'InProgress')
            throw new AwsError('ResourceConflictException', 'An update is in progress for the function.', 409)
          // The API reference: no new version when neither code nor configuration changed since the last.
          const last = [...found.versions.values()].at(-1)
          if (
            last &&
            last.CodeSha256 === found.config.CodeSha256 &&
            versionedConfiguration(last) === versionedConfiguration(found.config)
          )
            return structuredClone(last)
          const Version = String(Math.max(0, ...[...found.versions.keys()].map(Number)) + 1)
          const published = {
            ...structuredClone(found.config),
            Version,
            FunctionArn: `${found.config.FunctionArn}:${Version}`,
            ...(Description === undefined ? {} : { Description }),
          }
          found.versions.set(Version, published)
          return structuredClone(published)
        },
        CreateAlias: ({ FunctionName, Name, FunctionVersion, Description }: lambda.CreateAliasRequest) => {
          const found = fn(FunctionName)
          if (found.aliases.has(Name ?? ''))
            throw new AwsError('ResourceConflictException', `Alias already exists: ${Name}`, 409)
          if (!found.versions.has(FunctionVersion ?? ''))
            throw new AwsError(
              'ResourceNotFoundException',
              `Function not found: ${FunctionName}:${FunctionVersion}`,
              404,
            )
          found.aliases.set(Name ?? '', {
            version: FunctionVersion ?? '',
            description: Description,
            statements: new Map(),
          })
          return { Name, FunctionVersion }
        },
        UpdateAlias: ({ FunctionName, Name, FunctionVersion, Description }: lambda.UpdateAliasRequest) => {
          const found = alias(FunctionName, Name)
          if (FunctionVersion !== undefined) {
            if (!fn(FunctionName).versions.has(FunctionVersion))
              throw new AwsError(
                'ResourceNotFoundException',
                `Function not found: ${FunctionName}:${FunctionVersion}`,
                404,
              )
            found.version = FunctionVersion
          }
          if (Description !== undefined) found.description = Description
          return { Name, FunctionVersion: found.version }
        },
        CreateFunction: (input: lambda.CreateFunctionRequest) => {
          if (this.functions.has(input.FunctionName ?? ''))
            throw new AwsError(
              'ResourceConflictException',
              `Function already exist: ${input.FunctionName}`,
              409,
            )
          if (!this.roles.has(input.Role?.split('/').at(-1) ?? ''))
            throw new AwsError(
              'InvalidParameterValueException',
              'The role defined for the function cannot be assumed by Lambda.',
            )
          if (this.roleNotAssumable > 0) {
            this.roleNotAssumable--
            throw new AwsError(
              'InvalidParameterValueException',
              'The role defined for the function cannot be assumed by Lambda.',
            )
          }
          this.#checkVpcRole(input.Role, input.VpcConfig)
          const { Code, Tags, Layers: _layers, ...config } = input
          this.functions.set(input.FunctionName ?? '', {
            versions: new Map(),
            aliases: new Map(),
            config: {
              ...config,
              FunctionArn: `arn:aws:lambda:${region}:${account}:function:${input.FunctionName}`,
              CodeSha256: sha(Code?.ZipFile),
              LoggingConfig: { ...config.LoggingConfig, LogGroup: `/aws/lambda/${input.FunctionName}` },
              State: 'Active',
              LastUpdateStatus: 'Successful',
            },
            tags: Tags ?? {},
            statements: new Map(),
          })
          return { FunctionName: input.FunctionName }
        },
        UpdateFunctionCode: ({ FunctionName, ZipFile }: lambda.UpdateFunctionCodeRequest) => {
          fn(FunctionName).config.CodeSha256 = sha(ZipFile)
          return {}
        },
        UpdateFunctionConfiguration: ({
          FunctionName,
          ...changes
        }: lambda.UpdateFunctionConfigurationRequest) => {
          const found = fn(FunctionName)
          this.#checkVpcRole(changes.Role ?? found.config.Role, changes.VpcConfig)
          found.config = {
            ...found.config,
            ...changes,
            LoggingConfig: { ...changes.LoggingConfig, LogGroup: `/aws/lambda/${FunctionName}` },
          } as lambda.FunctionConfiguration
          return {}
        },
        DeleteFunction: ({ FunctionName, Qualifier }: lambda.DeleteFunctionRequest) => {
          const found = fn(FunctionName)
          if (Qualifier !== undefined) {
            if ([...found.aliases.values()].some((a) => a.version === Qualifier))
              throw new AwsError(
                'ResourceConflictException',
                `Unable to delete version because the following aliases reference it: ${[...found.aliases.keys()].join(', ')}`,
                409,
              )
            if (!found.versions.delete(Qualifier))
              throw new AwsError(
                'ResourceNotFoundException',
                `Function not found: ${FunctionName}:${Qualifier}`,
                404,
              )
            return {}
          }
          this.functions.delete(FunctionName ?? '')
          return {}
        },
        AddPermission: ({
          FunctionName,
          Qualifier,
          StatementId,
          Principal,
          SourceArn,
        }: lambda.AddPermissionRequest) => {
          const statements = statementsOf(FunctionName, Qualifier)
          if (statements.has(StatementId ?? ''))
            throw new AwsError('ResourceConflictException', 'The statement id provided already exists', 409)
          statements.set(StatementId ?? '', { principal: Principal ?? '', source: SourceArn ?? '' })
          return {}
        },
        RemovePermission: ({ FunctionName, Qualifier, StatementId }: lambda.RemovePermissionRequest) => {
          if (!statementsOf(FunctionName, Qualifier).delete(StatementId ?? ''))
            throw new AwsError('ResourceNotFoundException', 'The statement is not found', 404)
          return {}
        },
        CreateEventSourceMapping: (input: lambda.CreateEventSourceMappingRequest) => {
          const UUID = this.#id('esm-')
          this.mappings.set(UUID, {
            UUID,
            EventSourceArn: input.EventSourceArn,
            FunctionArn: qualifiedArn(input.FunctionName),
            BatchSize: input.BatchSize,
            FunctionResponseTypes: input.FunctionResponseTypes,
            State: 'Enabled',
          })
          return { UUID }
        },
        UpdateEventSourceMapping: ({
          UUID,
          FunctionName,
          BatchSize,
          FunctionResponseTypes,
        }: lambda.UpdateEventSourceMappingRequest) => {
          const found = this.mappings.get(UUID ?? '')
          if (!found) throw new AwsError('ResourceNotFoundException', 'mapping not found', 404)
          Object.assign(found, {
            BatchSize,
            FunctionResponseTypes,
            ...(FunctionName === undefined ? {} : { FunctionArn: qualifiedArn(FunctionName) }),
          })
          return {}
        },
        DeleteEventSourceMapping: ({ UUID }: lambda.DeleteEventSourceMappingRequest) => {
          if (!this.mappings.delete(UUID ?? ''))
            throw new AwsError('ResourceNotFoundException', 'mapping not found', 404)
          return {}
        },
      },
      lambda,
    )
  }

  #installEvents(): void {
    const rule = (name: string | undefined) => {
      const found = this.rules.get(name ?? '')
      if (!found) throw new AwsError('ResourceNotFoundException', `Rule ${name} does not exist.`)
      return found
    }
    const arn = (name: string) => `arn:aws:events:${region}:${account}:rule/${name}`
    this.#on(
      'events',
      events.EventBridgeClient,
      {
        ListRules: ({ NamePrefix }: events.ListRulesRequest) => ({
          Rules: [...this.rules.keys()]
            .filter((n) => n.startsWith(NamePrefix ?? ''))
            .map((Name) => ({ Name, Arn: arn(Name) })),
        }),
        ListTagsForResource: ({ ResourceARN }: events.ListTagsForResourceRequest) => ({
          Tags: rule(ResourceARN?.split('/').at(-1)).tags,
        }),
        DescribeRule: ({ Name }: events.DescribeRuleRequest) => ({
          Name,
          Arn: arn(Name ?? ''),
          ScheduleExpression: rule(Name).expression,
        }),
        ListTargetsByRule: ({ Rule }: events.ListTargetsByRuleRequest) => ({ Targets: rule(Rule).targets }),
        PutRule: ({ Name, ScheduleExpression, Tags }: events.PutRuleRequest) => {
          const existing = this.rules.get(Name ?? '')
          this.rules.set(Name ?? '', {
            expression: ScheduleExpression ?? '',
            tags: existing?.tags ?? Tags ?? [],
            targets: existing?.targets ?? [],
          })
          return { RuleArn: arn(Name ?? '') }
        },
        PutTargets: ({ Rule, Targets }: events.PutTargetsRequest) => {
          const found = rule(Rule)
          found.targets = [
            ...found.targets.filter((t) => !Targets?.some((n) => n.Id === t.Id)),
            ...(Targets ?? []),
          ]
          return { FailedEntryCount: 0 }
        },
        RemoveTargets: ({ Rule, Ids }: events.RemoveTargetsRequest) => {
          const found = rule(Rule)
          found.targets = found.targets.filter((t) => !Ids?.includes(t.Id ?? ''))
          return { FailedEntryCount: 0 }
        },
        DeleteRule: ({ Name }: events.DeleteRuleRequest) => {
          if (rule(Name).targets.length > 0)
            throw new AwsError('ValidationException', "Rule can't be deleted since it has targets.")
          this.rules.delete(Name ?? '')
          return {}
        },
      },
      events,
    )
  }

  #installApi(): void {
    const api = (id: string | undefined) => {
      const found = this.apis.get(id ?? '')
      if (!found) throw new AwsError('NotFoundException', `Invalid API identifier specified ${id}`, 404)
      return found
    }
    this.#on(
      'apigateway',
      apigw.ApiGatewayV2Client,
      {
        GetApis: () => ({
          Items: [...this.apis].map(([ApiId, a]) => ({
            ApiId,
            Name: a.name,
            Tags: a.tags,
            ApiEndpoint: `https://${ApiId}.execute-api.${region}.amazonaws.com`,
          })),
        }),
        GetStages: ({ ApiId }: apigw.GetStagesRequest) => ({
          Items: [...api(ApiId).stages].map((StageName) => ({ StageName, AutoDeploy: true })),
        }),
        GetIntegrations: ({ ApiId }: apigw.GetIntegrationsRequest) => ({
          Items: [...api(ApiId).integrations].map(([IntegrationId, IntegrationUri]) => ({
            IntegrationId,
            IntegrationUri,
          })),
        }),
        GetRoutes: ({ ApiId }: apigw.GetRoutesRequest) => ({
          Items: [...api(ApiId).routes].map(([RouteId, r]) => ({
            RouteId,
            RouteKey: r.key,
            Target: r.target,
          })),
        }),
        CreateApi: ({ Name, Tags }: apigw.CreateApiRequest) => {
          const ApiId = this.#id('api')
          this.apis.set(ApiId, {
            name: Name ?? '',
            tags: Tags ?? {},
            stages: new Set(),
            integrations: new Map(),
            routes: new Map(),
          })
          return { ApiId, ApiEndpoint: `https://${ApiId}.execute-api.${region}.amazonaws.com` }
        },
        CreateStage: ({ ApiId, StageName }: apigw.CreateStageRequest) => {
          api(ApiId).stages.add(StageName ?? '')
          return { StageName }
        },
        CreateIntegration: ({ ApiId, IntegrationUri }: apigw.CreateIntegrationRequest) => {
          const IntegrationId = this.#id('int')
          api(ApiId).integrations.set(IntegrationId, IntegrationUri ?? '')
          return { IntegrationId }
        },
        CreateRoute: ({ ApiId, RouteKey, Target }: apigw.CreateRouteRequest) => {
          const found = api(ApiId)
          if ([...found.routes.values()].some((r) => r.key === RouteKey))
            throw new AwsError(
              'ConflictException',
              `Route with key ${RouteKey} already exists for this API`,
              409,
            )
          const RouteId = this.#id('rt')
          found.routes.set(RouteId, { key: RouteKey ?? '', target: Target ?? '' })
          return { RouteId }
        },
        UpdateRoute: ({ ApiId, RouteId, Target }: apigw.UpdateRouteRequest) => {
          const route = api(ApiId).routes.get(RouteId ?? '')
          if (!route) throw new AwsError('NotFoundException', 'route not found', 404)
          route.target = Target ?? ''
          return {}
        },
        DeleteRoute: ({ ApiId, RouteId }: apigw.DeleteRouteRequest) => {
          api(ApiId).routes.delete(RouteId ?? '')
          return {}
        },
        DeleteIntegration: ({ ApiId, IntegrationId }: apigw.DeleteIntegrationRequest) => {
          api(ApiId).integrations.delete(IntegrationId ?? '')
          return {}
        },
        DeleteApi: ({ ApiId }: apigw.DeleteApiRequest) => {
          api(ApiId)
          this.apis.delete(ApiId ?? '')
          return {}
        },
      },
      apigw,
      'apigatewayv2',
    )
  }
}
