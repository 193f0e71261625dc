import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
} from '@azure/core-rest-pipeline'
import { type AzureClients, xfnRequestIdPolicy } from './clients.js'

/**
 * Requests xfn makes itself (to the SCM site, the Function App, a Key Vault), through the SDK's
 * pipeline: with its retries, the clients' TLS settings, and a token for `scope` when given.
 */
export function httpSender(clients: AzureClients, options: { scope?: string } = {}) {
  const pipeline = createPipelineFromOptions({
    retryOptions: { maxRetries: 3 },
    ...(clients.tls ? { tlsOptions: clients.tls } : {}),
  })
  pipeline.addPolicy(xfnRequestIdPolicy)
  if (options.scope)
    pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({ credential: clients.credential, scopes: options.scope }),
    )
  const client = createDefaultHttpClient()
  return async (request: {
    url: string
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS'
    headers?: Record<string, string>
    body?: Uint8Array | string | undefined
  }) => {
    const response = await pipeline.sendRequest(
      client,
      createPipelineRequest({
        url: request.url,
        method: request.method,
        headers: createHttpHeaders(request.headers ?? {}),
        body: request.body,
        timeout: 300_000,
      }),
    )
    return { status: response.status, text: response.bodyAsText ?? '', headers: response.headers.toJSON() }
  }
}
