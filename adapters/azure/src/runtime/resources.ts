import type { BlobServiceClient } from '@azure/storage-blob'
import type { QueueServiceClient } from '@azure/storage-queue'
import {
  type BucketSpec,
  checkMessageSize,
  defaultRegistry,
  guardProvider,
  type ObjectInfo,
  type Registry,
  type ResourceProvider,
  XfnError,
} from '@xfn/core'
import { invocationScope } from './scope.js'
import { topicEvent, topicsSetting } from './topics.js'

/**
 * Queues and buckets on Azure Storage: queues in Storage Queues (messages base64-encoded, as the
 * queue trigger's host setting `messageEncoding: base64` expects) and buckets as blob containers
 * of the same name, in the Function App's storage account: reached with the Function App's own
 * identity where the settings name the account (`AzureWebJobsStorage__accountName`, as xfn
 * deploys), or with a connection string (`AzureWebJobsStorage`: Azurite, an app deployed before).
 * Each client is made on first use. Topics are Event Grid custom topics, published to through
 * their endpoint (the `XFN_TOPICS` setting) with the Function App's identity.
 */
export function azureResourceProvider(
  connectionString = process.env.AzureWebJobsStorage,
  topics = process.env[topicsSetting],
  keyVault = process.env[keyVaultSetting],
  settings: Readonly<Record<string, string | undefined>> = process.env,
): ResourceProvider {
  let queues: Promise<QueueServiceClient> | undefined
  let blobs: Promise<BlobServiceClient> | undefined
  // An identity-based connection: the account's service URIs, given or derived from its name.
  const account = settings[storageAccountSetting]
  const serviceUri = (service: 'blob' | 'queue') =>
    settings[`AzureWebJobsStorage__${service}ServiceUri`] ??
    (account ? `https://${account}.${service}.core.windows.net` : undefined)
  const storageToken = managedIdentityToken('https://storage.azure.com/')
  const credential = { getToken: () => storageToken.withExpiry() }
  const missing = () =>
    new XfnError(
      'CLOUD_ERROR',
      `Neither the app setting ${storageAccountSetting} nor AzureWebJobsStorage is set, so queues and buckets cannot be reached; redeploy the app with xfn.`,
    )
  const queueService = () => {
    queues ??= import('@azure/storage-queue').then((sdk) => {
      if (connectionString) return sdk.QueueServiceClient.fromConnectionString(connectionString)
      const uri = serviceUri('queue')
      if (!uri) throw missing()
      return new sdk.QueueServiceClient(uri, credential)
    })
    return queues
  }
  const blobService = () => {
    blobs ??= import('@azure/storage-blob').then((sdk) => {
      if (connectionString) return sdk.BlobServiceClient.fromConnectionString(connectionString)
      const uri = serviceUri('blob')
      if (!uri) throw missing()
      return new sdk.BlobServiceClient(uri, credential)
    })
    return blobs
  }
  const container = async (bucket: BucketSpec) => (await blobService()).getContainerClient(bucket.name)

  const topicEndpoint = (name: string) => {
    let found: { endpoint?: string } | undefined
    try {
      found = (JSON.parse(topics ?? '{}') as Record<string, { endpoint?: string }>)[name]
    } catch {
      // Reported below, as a missing topic.
    }
    if (!found?.endpoint)
      throw new XfnError(
        'CLOUD_ERROR',
        `The app setting ${topicsSetting} does not give topic('${name}') its endpoint; redeploy the app with xfn.`,
      )
    return found.endpoint
  }
  const eventGridToken = managedIdentityToken('https://eventgrid.azure.net')
  const vaultToken = managedIdentityToken('https://vault.azure.net')

  return {
    /**
     * A secret of the app's Key Vault (its data plane, REST API 7.4), read with the Function App's
     * own identity; undefined when the vault has no such secret.
     */
    async getSecret(secret) {
      if (!keyVault)
        throw new XfnError(
          'CLOUD_ERROR',
          `The app setting ${keyVaultSetting} is not set, so secret('${secret.name}') cannot be read; redeploy the app with xfn.`,
        )
      const response = await fetch(`${keyVault.replace(/\/?$/, '/')}secrets/${secret.name}?api-version=7.4`, {
        headers: { authorization: `Bearer ${await vaultToken()}` },
      })
      if (response.status === 404) return undefined
      const body = (await response.json().catch(() => ({}))) as {
        value?: string
        error?: { code?: string; message?: string }
      }
      if (!response.ok)
        throw new XfnError(
          'CLOUD_ERROR',
          `Key Vault refused to give secret('${secret.name}'): ${response.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`.trim(),
        )
      return body.value
    },

    /** One event per message, posted to the topic's endpoint with the Function App's identity. */
    async publishMessages(topic, messages) {
      const endpoint = topicEndpoint(topic.name)
      for (const message of messages) {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await eventGridToken()}` },
          body: JSON.stringify([topicEvent(topic.name, message, crypto.randomUUID(), new Date())]),
        })
        if (!response.ok)
          throw new XfnError(
            'CLOUD_ERROR',
            `Event Grid did not take the message for topic('${topic.name}'): ${response.status} ${(await response.text()).slice(0, 300)}`,
          )
      }
    },

    async sendMessages(queue, messages) {
      for (const message of messages) checkMessageSize(queue.name, message.body, 'azure')
      const client = (await queueService()).getQueueClient(queue.name)
      for (const message of messages) {
        await client.sendMessage(Buffer.from(message.body).toString('base64'), {
          ...(message.delaySeconds ? { visibilityTimeout: message.delaySeconds } : {}),
        })
      }
    },

    async putObject(bucket, key, body, contentType) {
      const blob = (await container(bucket)).getBlockBlobClient(key)
      await blob.uploadData(body, contentType ? { blobHTTPHeaders: { blobContentType: contentType } } : {})
    },

    async getObject(bucket, key) {
      const blob = (await container(bucket)).getBlobClient(key)
      try {
        const buffer = await blob.downloadToBuffer()
        const properties = await blob.getProperties()
        return { body: new Uint8Array(buffer), contentType: properties.contentType }
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return null
        throw error
      }
    },

    async *listObjects(bucket, prefix): AsyncIterable<ObjectInfo> {
      for await (const item of (await container(bucket)).listBlobsFlat({ prefix })) {
        yield {
          key: item.name,
          size: item.properties.contentLength ?? 0,
          etag: item.properties.etag ?? '',
          lastModified: item.properties.lastModified,
        }
      }
    },

    async deleteObject(bucket, key) {
      await (await container(bucket)).getBlobClient(key).deleteIfExists()
    },

    async signedUrl(bucket, key, options) {
      const sdk = await import('@azure/storage-blob')
      const blob = (await container(bucket)).getBlobClient(key)
      const permissions = sdk.BlobSASPermissions.parse(options.method === 'PUT' ? 'cw' : 'r')
      const expiresOn = new Date(Date.now() + options.expiresIn * 1000)
      if (connectionString) return blob.generateSasUrl({ permissions, expiresOn })
      // With an identity there is no account key: the URL is signed with a user delegation key.
      const startsOn = new Date(Date.now() - 5 * 60_000)
      const delegation = await (await blobService()).getUserDelegationKey(startsOn, expiresOn)
      const query = sdk.generateBlobSASQueryParameters(
        { containerName: bucket.name, blobName: key, permissions, startsOn, expiresOn },
        delegation,
        blob.accountName,
      )
      return `${blob.url}?${query.toString()}`
    },
  }
}

/** The app setting that names the storage account of an identity-based connection. */
export const storageAccountSetting = 'AzureWebJobsStorage__accountName'

/** The app setting of the app's Key Vault URI, when it reads secrets. */
export const keyVaultSetting = 'XFN_KEY_VAULT'

/**
 * A token of the Function App's own identity for a resource, from the platform's identity
 * endpoint (IDENTITY_ENDPOINT and IDENTITY_HEADER, App Service's managed identity protocol,
 * version 2019-08-01), kept until five minutes before it expires.
 */
function managedIdentityToken(resource: string) {
  let held: { token: string; until: number; expires: number } | undefined
  const read = async () => {
    if (held && Date.now() < held.until) return held
    const endpoint = process.env.IDENTITY_ENDPOINT
    const header = process.env.IDENTITY_HEADER
    if (!endpoint || !header)
      throw new XfnError(
        'CLOUD_ERROR',
        'The Function App has no managed identity (IDENTITY_ENDPOINT is not set); redeploy the app with xfn, which gives it one.',
      )
    const response = await fetch(
      `${endpoint}?resource=${encodeURIComponent(resource)}&api-version=2019-08-01`,
      {
        headers: { 'X-IDENTITY-HEADER': header },
      },
    )
    if (!response.ok)
      throw new XfnError(
        'CLOUD_ERROR',
        `The identity endpoint gave no token: ${response.status} ${await response.text()}`,
      )
    const { access_token, expires_on } = (await response.json()) as {
      access_token: string
      expires_on: string
    }
    held = {
      token: access_token,
      until: Number(expires_on) * 1000 - 5 * 60_000,
      expires: Number(expires_on) * 1000,
    }
    return held
  }
  return Object.assign(async () => (await read()).token, {
    /** As an Azure SDK credential gives it: the token and when it expires. */
    withExpiry: async () => {
      const { token, expires } = await read()
      return { token, expiresOnTimestamp: expires }
    },
  })
}

/**
 * Makes the app's queues and buckets work inside the Function App. The build's generated entry
 * calls it when the app declares any.
 */
export function installAzureResources(registry: Registry = defaultRegistry()): void {
  registry.resources.provider ??= guardProvider(
    azureResourceProvider(),
    registry.functions,
    invocationScope.caller,
  )
}
