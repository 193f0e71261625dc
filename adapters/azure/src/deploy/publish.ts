import { XfnError } from '@xfn/core'
import type { ApplyContext, Facts } from './apply-context.js'
import { scmScope } from './clients.js'
import type { Desired } from './desired.js'
import { httpSender } from './http.js'
import { byId, packageTag } from './target.js'

/** What publishing needs: a deploy's context, or a rollback's. */
export type PublishContext = Pick<ApplyContext, 'clients' | 'sleep' | 'publishTimeoutMs' | 'poll'> &
  Pick<Desired, 'layout' | 'plan'> & {
    readonly facts: Pick<Facts, 'scmHostName' | 'blobEndpoint' | 'storageKey'>
  }

/** A package to publish: its zip and the SHA-256 (hex) of it. */
interface Package {
  readonly zip: Uint8Array
  readonly sha256: string
}

/**
 * Publishes a package, then records its SHA-256 in a tag of the Function App: the tag is set
 * only once the package runs, so an interrupted publish is redone by the next deploy.
 */
export async function publishPackage(
  context: PublishContext,
  pkg: Package,
  /** Further tags to set with the package's, such as the release it is. */
  tags: Record<string, string> = {},
): Promise<void> {
  const { clients, layout, poll } = context
  if (context.plan === 'flex') await publishToFlex(context, pkg)
  else await publishToConsumption(context, pkg)
  await clients.resources.tagsOperations.beginUpdateAtScopeAndWait(
    byId(layout.siteId),
    {
      operation: 'Merge',
      properties: { tags: { ...tags, [packageTag]: pkg.sha256 } },
    },
    poll,
  )
}

/**
 * Kudu's deployment states, as Microsoft's one-deploy clients read them (the .NET SDK's
 * `DeploymentStatus`): 4 succeeded and 6 partly succeeded; 3 failed, 5 conflict and -1
 * cancelled; the rest (0 pending, 1 building, 2 deploying) are under way. A state ends the wait
 * whether or not `complete` is set.
 */
const succeededStates = new Set([4, 6])
const failedStates = new Set([-1, 3, 5])

/**
 * Statuses of the deployment status endpoint that mean "ask again": 404 while the SCM worker
 * restarts with the new deployment, and the service's throttling and transient errors.
 */
const transientStatuses = new Set([404, 429, 502, 503, 504])

/**
 * Flex Consumption: the zip goes to the SCM site's one-deploy endpoint, with a Resource Manager
 * token, and the deployment is polled until it ends.
 */
async function publishToFlex(
  { clients, layout, facts, sleep, publishTimeoutMs }: PublishContext,
  pkg: Package,
) {
  const scm = facts.scmHostName
  if (!scm)
    throw new XfnError(
      'CLOUD_ERROR',
      `The Function App ${layout.functionApp} reports no SCM host to publish to.`,
    )
  const request = httpSender(clients, { scope: scmScope })
  const send = async (method: 'GET' | 'POST', path: string, body?: Uint8Array) => {
    const response = await request({
      url: `https://${scm}${path}`,
      method,
      headers: body ? { 'content-type': 'application/zip' } : {},
      body,
    })
    if (response.status >= 400 && !(method === 'GET' && transientStatuses.has(response.status)))
      throw new XfnError(
        'CLOUD_ERROR',
        `${method} https://${scm}${path} answered ${response.status}: ${response.text.slice(0, 300)}${response.status === 401 || response.status === 403 ? '. The signed-in identity needs the Website Contributor role on the Function App.' : ''}`,
      )
    return response.status >= 400 ? undefined : response.text
  }
  const accepted = (await send('POST', '/api/publish?RemoteBuild=false&Deployer=xfn', pkg.zip)) ?? ''
  const id = accepted.trim().replace(/^"|"$/g, '') || 'latest'
  const started = Date.now()
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    const answer = await send('GET', `/api/deployments/${id}`)
    const status = JSON.parse(answer || '{}') as { status?: number; status_text?: string }
    if (status.status !== undefined && succeededStates.has(status.status)) return
    if (status.status !== undefined && failedStates.has(status.status))
      throw new XfnError(
        'CLOUD_ERROR',
        `Publishing to ${layout.functionApp} failed: ${status.status_text || `deployment status ${status.status}`}. Its log: https://${scm}/api/deployments/${id}/log`,
      )
    if (Date.now() - started > publishTimeoutMs)
      throw new XfnError(
        'CLOUD_ERROR',
        `Publishing to ${layout.functionApp} did not finish in ${publishTimeoutMs / 1000} s; run the deploy again to publish anew.`,
      )
    await sleep(delay)
  }
}

/**
 * Linux Consumption: the zip goes to the app's storage account, its read-only SAS URL into
 * `WEBSITE_RUN_FROM_PACKAGE`, and the host is told to sync its triggers.
 */
async function publishToConsumption({ clients, layout, facts }: PublishContext, pkg: Package) {
  const rg = layout.resourceGroup
  const account = layout.storageAccount
  const blobName = `${pkg.sha256}.zip`
  const { BlockBlobClient, StorageSharedKeyCredential } = await import('@azure/storage-blob')
  const endpoint = (facts.blobEndpoint ?? '').replace(/\/?$/, '/')
  const url = `${endpoint}${layout.deploymentContainer}/${blobName}`
  const blob = new BlockBlobClient(url, new StorageSharedKeyCredential(account, facts.storageKey ?? ''))
  await blob.uploadData(pkg.zip, { blobHTTPHeaders: { blobContentType: 'application/zip' } })
  const sas = await clients.storage.storageAccounts.listServiceSAS(rg, account, {
    canonicalizedResource: `/blob/${account}/${layout.deploymentContainer}/${blobName}`,
    resource: 'b',
    permissions: 'r',
    protocols: 'https',
    sharedAccessExpiryTime: new Date(Date.UTC(2100, 0, 1)),
  })
  const current = await clients.web.webApps.listApplicationSettings(rg, layout.functionApp)
  await clients.web.webApps.updateApplicationSettings(rg, layout.functionApp, {
    properties: { ...current.properties, WEBSITE_RUN_FROM_PACKAGE: `${url}?${sas.serviceSasToken}` },
  })
  await clients.web.webApps.syncFunctionTriggers(rg, layout.functionApp)
}
