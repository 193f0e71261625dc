import { createHash, createHmac } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'

/**
 * A stateful stand-in for Azure Resource Manager on 127.0.0.1, over HTTPS with a test
 * certificate: resources are stored by id as PUT, PATCH and DELETE leave them, the slow ones
 * answer as long-running operations that are polled, and the few actions a deploy uses (keys,
 * app settings, name checks, tags, trigger sync) behave as the service does. It also plays the
 * Function App's SCM publish endpoint and, over plain HTTP, blob uploads.
 */

import { createAzureClients, staticTokenCredential } from '../clients.js'
import { checkBody } from './arm-contract.js'
import { fakeCertificate, fakeKey } from './fake-arm-tls.js'

export { fakeCertificate }

/** The object and tenant ids of the identity the fake's token stands for. */
export const fakePrincipal = {
  objectId: '11111111-2222-4333-8444-555555555555',
  tenantId: '99999999-8888-4777-8666-555555555555',
}

/** A token shaped as Entra ID's (a JWT whose claims name the identity), unsigned. */
export const fakeToken = [
  { alg: 'none', typ: 'JWT' },
  { oid: fakePrincipal.objectId, tid: fakePrincipal.tenantId, aud: 'https://management.azure.com/' },
]
  .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
  .concat('fake-signature')
  .join('.')

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  /** Whether it changes something (reads, including the POST actions that only read, do not). */
  readonly mutating: boolean
  /** The `api-version` it names, if any. */
  readonly apiVersion?: string
  /** Its `x-ms-client-request-id`, and when it came, as the Activity Log records them. */
  readonly clientRequestId?: string
  readonly at?: string
}

/** A result table as the Log Analytics query API returns it. */
export interface QueryTable {
  readonly columns: readonly { readonly name: string; readonly type: string }[]
  readonly rows: readonly unknown[][]
}

/**
 * The per-function summary xfn's metrics query projects, as the query API returns it: one row per
 * function of [Function, Invocations, Errors, Timeouts, P50, P95, P99, Max].
 */
export function metricsSummaryTable(rows: readonly unknown[][]): QueryTable {
  const names = ['Function', 'Invocations', 'Errors', 'Timeouts', 'P50', 'P95', 'P99', 'Max']
  return { columns: names.map((name) => ({ name, type: name === 'Function' ? 'string' : 'real' })), rows }
}

export interface FakeFailure {
  readonly status: number
  readonly code: string
  readonly message: string
}

interface Resource {
  id: string
  name: string
  type: string
  location?: string
  kind?: string
  tags?: Record<string, string>
  sku?: unknown
  properties: Record<string, unknown>
}

const readActions = /\/(listkeys|list|checknameavailability|listservicesas)$/i
/** Types that Resource Manager creates as long-running operations. */
const slowTypes =
  /\/(storageaccounts|serverfarms|sites|workspaces|components|systemtopics|topics|eventsubscriptions|vaults)\/[^/]+$/i

export interface FakeArm {
  readonly endpoint: string
  readonly requests: RecordedRequest[]
  readonly resources: Map<string, Resource>
  readonly settings: Map<string, Record<string, string>>
  /** Zips published, by Function App, in order; and blobs uploaded, by URL path. */
  readonly published: Map<string, string[]>
  /** The webhook URLs event subscriptions were given, with their keys (the service keeps them hidden). */
  readonly webhookUrls: string[]
  readonly blobs: Map<string, Buffer>
  /**
   * Key Vault secrets by vault name, as the vaults' data plane keeps them; and the vaults deleted
   * (soft-deleted, with their secrets), by name.
   */
  readonly vaultSecrets: Map<string, Map<string, { value: string; updated: number }>>
  readonly deletedVaults: Set<string>
  /** Storage account and site names another subscription holds. */
  readonly takenNames: Set<string>
  /** Called for every request; a failure it returns is answered instead. */
  failWhen: ((request: RecordedRequest, index: number) => FakeFailure | undefined) | undefined
  /**
   * The deployment state the publish endpoint ends in (Kudu's DeployStatus): 4 succeeded, 6 partly
   * succeeded, 3 failed, 5 conflict, -1 cancelled. Only a success reports `complete`.
   */
  deploymentOutcome: -1 | 3 | 4 | 5 | 6
  /** How many polls of a new deployment's status answer 404 first (the SCM worker restarting). */
  deploymentNotFoundPolls: number
  /** How many times the host's keys are asked for after a publish before blobs_extension exists. */
  hostKeyDelay: number
  /** The Log Analytics query API: the queries asked, and what answers each (no table by default). */
  readonly queries: { workspaceId: string; query: string; timespan: string }[]
  answerQuery: ((query: string) => QueryTable | undefined) | undefined
  /** Activity Log events recorded elsewhere, served with those of the changes the fake made. */
  readonly activityLog: Record<string, unknown>[]
  /** The `$filter` and `api-version` of each Activity Log request. */
  readonly activityLogQueries: { filter: string; apiVersion: string }[]
  /** Calls to the deployed Function App: its routes and its admin endpoint. */
  readonly appCalls: { method: string; path: string; body: string }[]
  /** How long each answer waits, standing for the network and the service (benchmarks). */
  latencyMs: number
  mutating(): RecordedRequest[]
  get(id: string): Resource | undefined
  close(): Promise<void>
}

/**
 * Starts the fake. `storage` sends the storage accounts' blob endpoint and key elsewhere, such as
 * to an Azurite account (its endpoint for an account's name, and its key); by default the fake's
 * own blob service answers.
 */
export async function startFakeArm(
  storage:
    | {
        readonly blobEndpoint: (account: string) => string
        readonly key: string
        /** Makes in that store a container Resource Manager has just made. */
        readonly madeContainer?: (account: string, container: string) => Promise<void>
      }
    | undefined = undefined,
): Promise<FakeArm> {
  const resources = new Map<string, Resource>()
  const settings = new Map<string, Record<string, string>>()
  const operations = new Map<string, { polls: number }>()
  const deployments = new Map<string, { site: string; sha: string; polls: number }>()
  const published = new Map<string, string[]>()
  const blobs = new Map<string, Buffer>()
  const requests: RecordedRequest[] = []
  let sequence = 0
  let hostKeyAsks = 0

  const https = createHttpsServer({ cert: fakeCertificate, key: fakeKey })
  // A blob service of the few operations deploys use: put, get, delete and list blobs, and a
  // container's properties (it exists once Resource Manager made it). Real Azurite stands in for
  // it where a test needs the real service (see the Azure releases test).
  const blobServer = createHttpServer((req, res) => {
    void body(req).then((bytes) => {
      const url = new URL(req.url ?? '/', 'http://x')
      const path = decodeURIComponent(url.pathname)
      const method = req.method ?? 'GET'
      const recorded = { method, path: `blob:${path}`, mutating: method === 'PUT' || method === 'DELETE' }
      requests.push(recorded)
      const failure = fake.failWhen?.(recorded, requests.length - 1)
      if (failure) {
        res.writeHead(failure.status, { 'x-ms-error-code': failure.code, 'content-type': 'application/xml' })
        return res.end(
          `<?xml version="1.0" encoding="utf-8"?><Error><Code>${failure.code}</Code><Message>${failure.message}</Message></Error>`,
        )
      }
      const headers = {
        etag: '"0x1"',
        'last-modified': new Date(0).toUTCString(),
        'x-ms-request-id': String(++sequence),
        'x-ms-version': '2025-01-05',
        'x-ms-request-server-encrypted': 'true',
      }
      const [, account = '', container = ''] = path.split('/')
      if (url.searchParams.get('restype') === 'container') {
        const made = [...resources.keys()].some((id) =>
          id.endsWith(
            `/storageaccounts/${account}/blobservices/default/containers/${container}`.toLowerCase(),
          ),
        )
        if (!made) {
          res.writeHead(404, { ...headers, 'x-ms-error-code': 'ContainerNotFound' })
          return res.end()
        }
        if (url.searchParams.get('comp') !== 'list') {
          res.writeHead(200, headers)
          return res.end()
        }
        const prefix = `/${account}/${container}/${url.searchParams.get('prefix') ?? ''}`
        const listed = [...blobs].filter(([name]) => name.startsWith(prefix))
        const xml = `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://127.0.0.1/${account}/" ContainerName="${container}"><Blobs>${listed
          .map(
            ([name, data]) =>
              `<Blob><Name>${name.slice(`/${account}/${container}/`.length)}</Name><Properties><Last-Modified>${new Date(0).toUTCString()}</Last-Modified><Etag>0x1</Etag><Content-Length>${data.length}</Content-Length><BlobType>BlockBlob</BlobType></Properties></Blob>`,
          )
          .join('')}</Blobs><NextMarker /></EnumerationResults>`
        res.writeHead(200, { ...headers, 'content-type': 'application/xml' })
        return res.end(xml)
      }
      const found = blobs.get(path)
      if (method === 'PUT') {
        blobs.set(path, bytes)
        res.writeHead(201, headers)
        return res.end()
      }
      if (!found) {
        res.writeHead(404, { ...headers, 'x-ms-error-code': 'BlobNotFound' })
        return res.end()
      }
      if (method === 'DELETE') {
        blobs.delete(path)
        res.writeHead(202, headers)
        return res.end()
      }
      res.writeHead(200, {
        ...headers,
        'content-length': String(found.length),
        'x-ms-blob-type': 'BlockBlob',
        'content-type': 'application/octet-stream',
      })
      res.end(method === 'HEAD' ? undefined : found)
    })
  })
  await Promise.all([listen(https), listen(blobServer)])
  const port = (https.address() as AddressInfo).port
  const blobPort = (blobServer.address() as AddressInfo).port
  const origin = `https://127.0.0.1:${port}`

  const fake: FakeArm = {
    endpoint: origin,
    requests,
    resources,
    settings,
    published,
    webhookUrls: [],
    vaultSecrets: new Map(),
    deletedVaults: new Set(),
    blobs,
    takenNames: new Set(),
    failWhen: undefined,
    activityLog: [],
    activityLogQueries: [],
    deploymentOutcome: 4,
    deploymentNotFoundPolls: 0,
    latencyMs: 0,
    hostKeyDelay: 0,
    queries: [],
    answerQuery: undefined,
    appCalls: [],
    mutating: () => requests.filter((r) => r.mutating),
    get: (id) => resources.get(id.toLowerCase()),
    close: async () => {
      await Promise.all([close(https), close(blobServer)])
    },
  }

  const send = (
    res: ServerResponse,
    status: number,
    value?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const reply = () => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-ms-request-id': String(++sequence),
        ...headers,
      })
      res.end(value === undefined ? '' : JSON.stringify(value))
    }
    if (fake.latencyMs > 0) setTimeout(reply, fake.latencyMs)
    else reply()
  }
  const error = (res: ServerResponse, status: number, code: string, message: string) =>
    send(res, status, { error: { code, message } })
  const longRunning = () => {
    const id = String(++sequence)
    operations.set(id, { polls: 0 })
    return { 'azure-asyncoperation': `${origin}/operations/${id}`, 'retry-after': '0' }
  }

  /**
   * The deployed app, as far as a caller sees it: its routes check x-api-key against the
   * XFN_API_KEY_SHA256 setting and echo the call; its admin endpoint takes the master key.
   */
  const functionApp = (req: IncomingMessage, res: ServerResponse, path: string, text: string) => {
    const [, , site = '', ...rest] = path.split('/')
    const siteId = [...resources.keys()].find((id) => id.endsWith(`/sites/${site.toLowerCase()}`))
    if (!siteId) return error(res, 404, 'NotFound', `No Function App ${site}.`)
    const route = `/${rest.join('/')}`
    fake.appCalls.push({ method: req.method ?? 'GET', path: route, body: text })
    if (route.startsWith('/admin/functions/'))
      return req.headers['x-functions-key'] === 'master' ? send(res, 202) : send(res, 401)
    const expected = settings.get(siteId)?.XFN_API_KEY_SHA256
    const presented = req.headers['x-api-key']
    if (
      expected &&
      presented !== undefined &&
      createHash('sha256').update(String(presented)).digest('hex') !== expected
    )
      return send(res, 401, { error: 'Unauthorized' })
    return send(res, 200, { called: route, method: req.method, body: text })
  }

  /**
   * A vault's data plane (Key Vault REST API 7.4): secrets set, listed (ids and times, no values)
   * and deleted, each allowed to the fake's identity only with Key Vault Secrets Officer on the
   * vault, as Azure RBAC would.
   */
  const officer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  const vault = (res: ServerResponse, method: string, path: string, json: Record<string, unknown>) => {
    const [, , name = '', , secret] = path.split('/')
    const made = [...resources.values()].find(
      (r) => r.type.toLowerCase() === 'microsoft.keyvault/vaults' && r.name === name,
    )
    if (!made) return error(res, 404, 'VaultNotFound', `No vault ${name}.`)
    const allowed = [...resources.values()].some(
      (r) =>
        r.id
          .toLowerCase()
          .startsWith(`${made.id.toLowerCase()}/providers/microsoft.authorization/roleassignments/`) &&
        r.properties.principalId === fakePrincipal.objectId &&
        String(r.properties.roleDefinitionId).endsWith(officer),
    )
    if (!allowed)
      return error(
        res,
        403,
        'Forbidden',
        'The user, group or application does not have secrets permissions on this vault.',
      )
    const secrets = fake.vaultSecrets.get(name) ?? new Map<string, { value: string; updated: number }>()
    fake.vaultSecrets.set(name, secrets)
    const uri = String(made.properties.vaultUri)
    if (method === 'GET' && !secret)
      return send(res, 200, {
        value: [...secrets].map(([n, s]) => ({
          id: `${uri}secrets/${n}`,
          attributes: { enabled: true, updated: s.updated },
        })),
      })
    if (!secret) return error(res, 405, 'BadRequest', 'No such operation.')
    if (method === 'PUT') {
      if (typeof json.value !== 'string') return error(res, 400, 'BadParameter', 'The value is required.')
      secrets.set(secret, { value: json.value, updated: Math.floor(Date.now() / 1000) })
      return send(res, 200, { id: `${uri}secrets/${secret}/1`, attributes: { enabled: true } })
    }
    const found = secrets.get(secret)
    if (!found)
      return error(
        res,
        404,
        'SecretNotFound',
        `A secret with (name/id) ${secret} was not found in this key vault.`,
      )
    if (method === 'DELETE') {
      secrets.delete(secret)
      return send(res, 200, { recoveryId: `${uri}deletedsecrets/${secret}` })
    }
    return send(res, 200, { value: found.value, id: `${uri}secrets/${secret}/1` })
  }
  /**
   * The Activity Log: the recorded events a test gives, and an end event for each change this
   * fake made, as Resource Manager logs them (the operation, the caller, the client request id),
   * filtered as the Monitor REST API's $filter asks: a time window and a resource group.
   */
  const activityLog = (filter: string) => {
    const from = /eventTimestamp ge '([^']+)'/.exec(filter)?.[1]
    const to = /eventTimestamp le '([^']+)'/.exec(filter)?.[1]
    const group = /resourceGroupName eq '([^']+)'/.exec(filter)?.[1]?.toLowerCase()
    if (!from || !to)
      throw new Error(`the Activity Log needs an eventTimestamp window; $filter was ${filter}`)
    const made = requests
      .filter((r) => r.mutating && !r.path.startsWith('blob:') && /\/resourcegroups\//i.test(r.path))
      .map((r) => {
        const segments = r.path.split('/').filter(Boolean)
        const action = r.method === 'POST' ? segments.at(-1) : undefined
        const resourceId = `/${(action ? segments.slice(0, -1) : segments).join('/')}`
        const type = resourceType(action ? segments.slice(0, -1) : segments)
        const verb = r.method === 'DELETE' ? 'delete' : action ? `${action}/action` : 'write'
        return {
          caller: fakePrincipal.objectId,
          eventTimestamp: r.at,
          eventName: { value: 'EndRequest', localizedValue: 'End request' },
          httpRequest: { clientRequestId: r.clientRequestId, clientIpAddress: '127.0.0.1', method: r.method },
          operationName: { value: `${type}/${verb}`, localizedValue: `${type}/${verb}` },
          resourceGroupName: segments[3],
          resourceId,
          status: { value: 'Succeeded', localizedValue: 'Succeeded' },
          subscriptionId: segments[1],
        }
      })
    return [...fake.activityLog, ...made].filter(
      (e) =>
        (!group || String(e.resourceGroupName).toLowerCase() === group) &&
        String(e.eventTimestamp) >= from &&
        String(e.eventTimestamp) <= to,
    )
  }

  https.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void body(req).then((bytes) => {
      const url = new URL(`${origin}${req.url ?? '/'}`)
      const method = req.method ?? 'GET'
      const path = decodeURIComponent(url.pathname).replace(/\/{2,}/g, '/')
      const lower = path.toLowerCase()
      const recorded: RecordedRequest = {
        method,
        path,
        mutating: method !== 'GET' && !(method === 'POST' && readActions.test(lower)),
        apiVersion: url.searchParams.get('api-version') ?? undefined,
        clientRequestId: req.headers['x-ms-client-request-id'] as string | undefined,
        at: new Date().toISOString(),
      }
      if (lower.startsWith('/app/')) return functionApp(req, res, path, bytes.toString('utf8'))
      if (!lower.startsWith('/operations/')) requests.push(recorded)
      if (req.headers.authorization !== `Bearer ${fakeToken}`)
        return error(res, 401, 'InvalidAuthenticationToken', 'The access token is invalid.')
      const failure = fake.failWhen?.(recorded, requests.length - 1)
      if (failure) return error(res, failure.status, failure.code, failure.message)
      const json =
        bytes.length > 0 && !lower.includes('/api/publish') ? JSON.parse(bytes.toString('utf8')) : {}

      if (
        /^\/subscriptions\/[^/]+\/providers\/microsoft\.insights\/eventtypes\/management\/values$/.test(lower)
      ) {
        const filter = url.searchParams.get('$filter') ?? ''
        fake.activityLogQueries.push({ filter, apiVersion: recorded.apiVersion ?? '' })
        return send(res, 200, { value: activityLog(filter) })
      }

      if (lower.startsWith('/operations/')) {
        const op = operations.get(path.split('/')[2] ?? '')
        if (!op) return error(res, 404, 'NotFound', 'No such operation.')
        op.polls++
        return op.polls < 2
          ? send(res, 202, { status: 'InProgress' }, { 'retry-after': '0', location: `${origin}${path}` })
          : send(res, 200, { status: 'Succeeded' })
      }
      if (lower.startsWith('/workspaces/') && lower.endsWith('/query') && method === 'POST') {
        fake.queries.push({
          workspaceId: path.split('/').filter(Boolean)[1] ?? '',
          query: json.query,
          timespan: json.timespan,
        })
        const table = fake.answerQuery?.(json.query) ?? { columns: [], rows: [] }
        return send(res, 200, { tables: [{ name: 'PrimaryResult', ...table }] })
      }
      if (lower.startsWith('/scm/')) return scm(fake, res, method, path, bytes, deployments, published, send)
      if (lower.startsWith('/vault/')) return vault(res, method, path, json)

      // Name checks.
      if (method === 'POST' && lower.endsWith('/providers/microsoft.storage/checknameavailability'))
        return send(res, 200, { nameAvailable: !fake.takenNames.has(json.name), reason: 'AlreadyExists' })
      if (method === 'POST' && lower.endsWith('/providers/microsoft.web/checknameavailability'))
        return send(res, 200, { nameAvailable: !fake.takenNames.has(json.name), reason: 'AlreadyExists' })

      const segments = path.split('/').filter(Boolean)
      const groupId = segments.slice(0, 4).join('/').toLowerCase()
      const groupExists = resources.has(`/${groupId}`)

      // Every body put or patched must be one the REST API contract accepts, for its api-version.
      // (The tags PATCH body, TagsPatchResource, is an operation, not a resource body, so it has
      // no resource type to check against.)
      if (
        (method === 'PUT' || method === 'PATCH') &&
        !lower.endsWith('/providers/microsoft.resources/tags/default')
      ) {
        const problems = checkBody(resourceType(segments), recorded.apiVersion ?? '', json, {
          partial: method === 'PATCH',
          name: segments.at(-1),
        })
        if (problems.length > 0)
          return error(
            res,
            400,
            'InvalidRequestContent',
            `The request content was invalid: ${problems.join('; ')}.`,
          )
      }

      // Tags at a scope.
      if (lower.endsWith('/providers/microsoft.resources/tags/default')) {
        const target = resources.get(lower.replace('/providers/microsoft.resources/tags/default', ''))
        if (!target) return error(res, 404, 'ResourceNotFound', `${path} was not found.`)
        if (method === 'PATCH') target.tags = { ...target.tags, ...json.properties?.tags }
        return send(res, 200, { id: path, properties: { tags: target.tags ?? {} } })
      }

      // Actions.
      if (method === 'POST') {
        const action = segments.at(-1)?.toLowerCase()
        const owner = `/${segments.slice(0, -1).join('/')}`.toLowerCase()
        if (lower.endsWith('/host/default/listkeys')) {
          const site = lower.replace('/host/default/listkeys', '')
          const name = site.split('/').at(-1) ?? ''
          const started = [...published.keys()].some((n) => n.toLowerCase() === name)
          const ready = started && hostKeyAsks++ >= fake.hostKeyDelay
          return send(res, 200, {
            masterKey: 'master',
            functionKeys: { default: 'default-key' },
            systemKeys: ready
              ? { blobs_extension: `blobs-key-${name}`, eventgrid_extension: `eventgrid-key-${name}` }
              : {},
          })
        }
        if (action === 'listkeys' && resources.has(owner))
          return send(res, 200, {
            keys: [
              {
                keyName: 'key1',
                value: storage?.key ?? createHash('sha256').update(owner).digest('base64'),
                permissions: 'FULL',
              },
            ],
          })
        if (action === 'listservicesas' && resources.has(owner))
          return send(res, 200, {
            serviceSasToken: `sv=2025-01-05&sr=b&sp=r&se=2100-01-01&sig=${encodeURIComponent(
              createHmac('sha256', owner)
                .update(json.canonicalizedResource ?? '')
                .digest('base64'),
            )}`,
          })
        if (action === 'list' && lower.endsWith('/config/appsettings/list')) {
          const site = lower.replace('/config/appsettings/list', '')
          if (!resources.has(site)) return error(res, 404, 'ResourceNotFound', `${path} was not found.`)
          return send(res, 200, { id: path, name: 'appsettings', properties: settings.get(site) ?? {} })
        }
        if (action === 'syncfunctiontriggers' && resources.has(owner)) {
          // The host starts with the package the settings name (Linux Consumption's publish).
          const site = owner.split('/').at(-1) ?? ''
          if (!published.has(site)) published.set(site, [])
          return send(res, 204)
        }
        return error(res, 404, 'NotFound', `No action ${method} ${path}.`)
      }

      // App settings.
      if (lower.endsWith('/config/appsettings') && method === 'PUT') {
        const site = lower.replace('/config/appsettings', '')
        if (!resources.has(site)) return error(res, 404, 'ResourceNotFound', `${path} was not found.`)
        settings.set(site, { ...json.properties })
        return send(res, 200, { id: path, name: 'appsettings', properties: json.properties })
      }

      // Lists of child resources.
      if (
        method === 'GET' &&
        /\/(blobservices\/default\/containers|queueservices\/default\/queues|eventsubscriptions|providers\/microsoft\.eventgrid\/topics)$/.test(
          lower,
        )
      ) {
        // Direct children only: a topic's list leaves out its subscriptions.
        const value = [...resources.values()].filter((r) => {
          const id = r.id.toLowerCase()
          return id.startsWith(`${lower}/`) && !id.slice(lower.length + 1).includes('/')
        })
        return send(res, 200, { value })
      }

      // Soft-deleted vaults.
      const deletedVault =
        /^\/subscriptions\/[^/]+\/providers\/microsoft\.keyvault\/locations\/[^/]+\/deletedvaults\/([^/]+)$/.exec(
          lower,
        )
      if (deletedVault && method === 'GET')
        return [...fake.deletedVaults].some((n) => n.toLowerCase() === deletedVault[1])
          ? send(res, 200, { id: path, name: deletedVault[1], properties: {} })
          : error(res, 404, 'ResourceNotFound', `Deleted vault ${deletedVault[1]} not found.`)

      // Resources.
      const id = lower
      const isGroup = segments.length === 4
      const groupMissing = () =>
        error(res, 404, 'ResourceGroupNotFound', `Resource group '${segments[3]}' could not be found.`)
      if (method === 'GET') {
        // A site's configuration is read at config/web: the site itself carries a sparse
        // siteConfig whose linuxFxVersion is null (Azure/azure-cli#15171).
        const configOf = /\/sites\/[^/]+\/config\/web$/.test(id)
          ? resources.get(id.replace(/\/config\/web$/, ''))
          : undefined
        if (configOf)
          return send(res, 200, {
            id: `${configOf.id}/config/web`,
            name: 'web',
            type: 'Microsoft.Web/sites/config',
            properties: { ...(configOf.properties.siteConfig as object) },
          })
        const found = resources.get(id)
        if (found && /\/sites\/[^/]+$/.test(id))
          return send(res, 200, {
            ...found,
            properties: {
              ...found.properties,
              siteConfig: { ...(found.properties.siteConfig as object), linuxFxVersion: null },
            },
          })
        if (found) return send(res, 200, found)
        if (!isGroup && !groupExists) return groupMissing()
        return error(res, 404, 'ResourceNotFound', `The Resource '${path}' was not found.`)
      }
      if (method === 'PUT' || method === 'PATCH') {
        if (!isGroup && !groupExists) return groupMissing()
        const existing = resources.get(id)
        const appSettings = (json.properties?.siteConfig?.appSettings ?? []) as {
          name: string
          value: string
        }[]
        if (method === 'PATCH' && !existing)
          return error(res, 404, 'ResourceNotFound', `${path} was not found.`)
        const resource =
          method === 'PUT'
            ? shape(
                path,
                json,
                port,
                storage?.blobEndpoint ?? ((account) => `http://127.0.0.1:${blobPort}/${account}/`),
                fake.webhookUrls,
              )
            : merge(existing as Resource, json)
        if (/\/sites\/[^/]+$/.test(id)) withIdentity(resource as unknown as Record<string, unknown>, path)
        // A vault's name stays taken while it is soft-deleted; only a recovery takes it back.
        if (/\/microsoft\.keyvault\/vaults\/[^/]+$/.test(id) && !existing) {
          const deleted = fake.deletedVaults.has(resource.name)
          const recover = resource.properties.createMode === 'recover'
          if (deleted && !recover)
            return error(
              res,
              409,
              'ConflictError',
              `A vault with the same name already exists in deleted state.`,
            )
          if (!deleted && recover)
            return error(res, 404, 'DeletedVaultNotFound', 'No deleted vault of this name to recover.')
          fake.deletedVaults.delete(resource.name)
          delete resource.properties.createMode
        }
        // The service reports the stack upper-cased ("NODE|22"), whatever case it was given.
        const siteConfig = resource.properties.siteConfig as { linuxFxVersion?: string } | undefined
        if (siteConfig?.linuxFxVersion) siteConfig.linuxFxVersion = siteConfig.linuxFxVersion.toUpperCase()
        resources.set(id, resource)
        if (/\/sites\/[^/]+$/.test(id) && method === 'PUT') {
          if (!existing || appSettings.length > 0)
            settings.set(id, Object.fromEntries(appSettings.map((s) => [s.name, s.value])))
        }
        if (method === 'PUT' && slowTypes.test(id))
          return send(
            res,
            existing ? 200 : 201,
            { ...resource, properties: { ...resource.properties, provisioningState: 'Accepted' } },
            longRunning(),
          )
        // Resource groups and containers answer 201 when made; queues and the rest 200.
        const made = !existing && (isGroup || /\/containers\/[^/]+$/.test(id))
        const container = /\/storageaccounts\/([^/]+)\/blobservices\/default\/containers\/([^/]+)$/.exec(id)
        // A container Resource Manager makes is one the blob service serves.
        if (made && container && storage?.madeContainer)
          return void storage
            .madeContainer(container[1] ?? '', container[2] ?? '')
            .then(() => send(res, 201, resource))
        return send(res, made ? 201 : 200, resource)
      }
      if (method === 'DELETE' && id.endsWith('/networkconfig/virtualnetwork')) {
        // Disconnects a site from its virtual network (the "Swift" integration).
        const site = resources.get(id.replace('/networkconfig/virtualnetwork', ''))
        if (!site) return error(res, 404, 'ResourceNotFound', `${path} was not found.`)
        delete site.properties.virtualNetworkSubnetId
        return send(res, 200)
      }
      if (method === 'DELETE') {
        if (!resources.has(id)) return send(res, 204)
        for (const key of [...resources.keys()])
          if (key === id || key.startsWith(`${id}/`)) {
            // A vault deleted, alone or with its group, is soft-deleted with its secrets.
            if (/\/microsoft\.keyvault\/vaults\/[^/]+$/.test(key))
              fake.deletedVaults.add(resources.get(key)?.name ?? '')
            resources.delete(key)
          }
        for (const key of [...settings.keys()]) if (key.startsWith(`${id}/`)) settings.delete(key)
        if (isGroup || /\/(workspaces|components)\/[^/]+$/.test(id))
          return send(res, 202, undefined, longRunning())
        // Queues answer a deletion with 204, the rest with 200.
        return send(res, /\/queues\/[^/]+$/.test(id) ? 204 : 200)
      }
      return error(res, 405, 'MethodNotAllowed', `${method} ${path}`)
    })
  })
  return fake
}

/** A resource as Resource Manager returns it after a PUT: with id, name, type and what the service adds. */
function shape(
  path: string,
  json: Record<string, unknown>,
  port: number,
  blobEndpoint: (account: string) => string,
  webhookUrls: string[],
): Resource {
  const segments = path.split('/').filter(Boolean)
  const name = segments.at(-1) ?? ''
  const type = resourceType(segments)
  const properties: Record<string, unknown> = {
    ...(json.properties as Record<string, unknown>),
    provisioningState: 'Succeeded',
  }
  const lower = type.toLowerCase()
  if (lower === 'microsoft.storage/storageaccounts')
    properties.primaryEndpoints = { blob: blobEndpoint(name) }
  if (lower === 'microsoft.web/sites') {
    properties.defaultHostName = `127.0.0.1:${port}/app/${name}`
    properties.hostNameSslStates = [
      { name: `127.0.0.1:${port}/app/${name}`, hostType: 'Standard' },
      { name: `127.0.0.1:${port}/scm/${name}`, hostType: 'Repository' },
    ]
    properties.state = 'Running'
    delete (properties.siteConfig as Record<string, unknown> | undefined)?.appSettings
  }
  if (lower === 'microsoft.insights/components')
    properties.ConnectionString = `InstrumentationKey=${createHash('sha256').update(path).digest('hex').slice(0, 32)};IngestionEndpoint=https://ingest.example/`
  if (lower === 'microsoft.eventgrid/topics')
    properties.endpoint = `https://${name}.${String(json.location)}-1.eventgrid.azure.net/api/events`
  if (lower.endsWith('/eventsubscriptions')) {
    // The webhook's URL is write-only: its key never comes back.
    const destination = properties.destination as {
      properties?: { endpointUrl?: string; endpointBaseUrl?: string }
    }
    if (destination?.properties?.endpointUrl) {
      webhookUrls.push(destination.properties.endpointUrl)
      destination.properties.endpointBaseUrl = destination.properties.endpointUrl.split('?')[0]
      delete destination.properties.endpointUrl
    }
  }
  if (lower === 'microsoft.keyvault/vaults') properties.vaultUri = `https://127.0.0.1:${port}/vault/${name}/`
  if (lower === 'microsoft.web/sites') withIdentity(json, path)
  if (lower === 'microsoft.operationalinsights/workspaces')
    properties.customerId = createHash('sha256').update(path).digest('hex').slice(0, 32)
  const { properties: _, ...top } = json as Record<string, unknown>
  return { ...(top as object), id: path, name, type, properties } as Resource
}

/** The resource type a path names: `Microsoft.Web/sites/config` for `…/providers/Microsoft.Web/sites/x/config/y`. */
function resourceType(segments: readonly string[]): string {
  if (segments.length === 4) return 'Microsoft.Resources/resourceGroups'
  // An extension resource (a role assignment on a vault) is of the last provider named.
  const provider = segments.lastIndexOf('providers')
  return `${segments[provider + 1]}/${segments
    .slice(provider + 2)
    .filter((_, i) => i % 2 === 0)
    .join('/')}`
}

function merge(existing: Resource, patch: Record<string, unknown>): Resource {
  const deep = (a: unknown, b: unknown): unknown =>
    a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)
      ? Object.fromEntries(
          [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [
            k,
            k in (b as object)
              ? deep((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
              : (a as Record<string, unknown>)[k],
          ]),
        )
      : b
  return deep(existing, patch) as Resource
}

function scm(
  fake: FakeArm,
  res: ServerResponse,
  method: string,
  path: string,
  bytes: Buffer,
  deployments: Map<string, { site: string; sha: string; polls: number }>,
  published: Map<string, string[]>,
  send: (res: ServerResponse, status: number, value?: unknown, headers?: Record<string, string>) => void,
) {
  const [, , site, , action, id] = path.split('/')
  if (!site || ![...fake.resources.values()].some((r) => r.type === 'Microsoft.Web/sites' && r.name === site))
    return send(res, 404, { error: 'no such site' })
  if (method === 'POST' && action === 'publish') {
    const deployment = `d${deployments.size + 1}`
    deployments.set(deployment, { site, sha: createHash('sha256').update(bytes).digest('hex'), polls: 0 })
    return send(res, 202, deployment)
  }
  const deployment = deployments.get(id ?? '')
  if (method === 'GET' && action === 'deployments' && deployment) {
    deployment.polls++
    if (deployment.polls <= fake.deploymentNotFoundPolls) return send(res, 404, { error: 'not found' })
    const poll = deployment.polls - fake.deploymentNotFoundPolls
    if (poll < 2) return send(res, 200, { id, status: 1, complete: false, status_text: 'Building' })
    const succeeded = fake.deploymentOutcome === 4 || fake.deploymentOutcome === 6
    if (poll === 2 && succeeded) published.set(site, [...(published.get(site) ?? []), deployment.sha])
    return send(res, 200, {
      id,
      status: fake.deploymentOutcome,
      complete: succeeded,
      status_text: succeeded ? '' : 'The package could not be mounted',
    })
  }
  return send(res, 404, { error: 'not found' })
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function listen(server: { listen: (port: number, host: string, cb: () => void) => void }) {
  return new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
}

function close(server: { close: (cb: () => void) => void; closeAllConnections?: () => void }) {
  return new Promise<void>((resolve) => {
    server.closeAllConnections?.()
    server.close(() => resolve())
  })
}

/** A site asking for a system-assigned identity gets one, whose principal id the service makes. */
function withIdentity(body: Record<string, unknown>, path: string): void {
  const identity = body.identity as { type?: string; principalId?: string; tenantId?: string } | undefined
  if (!identity?.type?.includes('SystemAssigned') || identity.principalId) return
  const hex = createHash('sha256').update(`identity:${path.toLowerCase()}`).digest('hex')
  identity.principalId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
  identity.tenantId = fakePrincipal.tenantId
}

/** The SDK clients of a deploy, pointed at a fake with its token and certificate. */
export function clientsOf(
  fake: Pick<FakeArm, 'endpoint'>,
  subscriptionId = '00000000-0000-0000-0000-0000000000aa',
) {
  return createAzureClients({
    subscriptionId,
    credential: staticTokenCredential(fakeToken),
    endpoint: fake.endpoint,
    tls: { ca: fakeCertificate },
  })
}
