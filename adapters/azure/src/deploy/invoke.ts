import { apiKeyHeader, type ManifestFunction, XfnError } from '@xfn/core'
import { topicEvent } from '../runtime/topics.js'
import type { AzureClients } from './clients.js'
import { deriveApiKey } from './desired.js'
import { armError, ifExists } from './errors.js'
import { httpSender } from './http.js'
import { type AzureTarget, azureLayout, deployCommand } from './target.js'

export interface InvokeRequest {
  /** The body of a request, the message of a queue function, the blob path of a blob function. */
  readonly data: string
  /** HTTP: the path to call (the route, when it has no parameters). */
  readonly path?: string | undefined
  /** HTTP: the method (the function's first). */
  readonly method?: string | undefined
}

export interface InvokeOutcome {
  /** HTTP: the answer's status; others: 202 once the host has queued the run. */
  readonly status: number
  /** HTTP: the answer's body, parsed when JSON. */
  readonly result: unknown
  /** Set when the call failed (a 5xx answer, or the host refusing the run). */
  readonly error: string | undefined
  /** Non-HTTP functions run after the call returns: their outcome is in the logs. */
  readonly accepted: boolean
}

/**
 * Calls one deployed function once. An HTTP function through its URL (with the app's key when its
 * route needs one); any other through the host's admin endpoint (`POST /admin/functions/<name>`
 * with the master key), which runs it with `--data` as its input: a queue message, a blob path, or
 * the text of a topic message, in the event Event Grid would deliver.
 */
export async function invokeFunction(
  clients: AzureClients,
  target: AzureTarget,
  fn: ManifestFunction,
  request: InvokeRequest,
): Promise<InvokeOutcome> {
  const layout = azureLayout(target)
  const rg = layout.resourceGroup
  const site = await ifExists(() => clients.web.webApps.get(rg, layout.functionApp)).catch(
    (error: unknown) => {
      throw armError(`Reading the Function App ${layout.functionApp}`, error)
    },
  )
  if (!site?.defaultHostName)
    throw new XfnError(
      'INVALID_OPTIONS',
      `Nothing of ${target.app} (${target.stage}) is deployed in resource group ${rg}. Deploy it with: ${deployCommand(target.stage)}`,
      { commands: [deployCommand(target.stage)] },
    )
  const base = `https://${site.defaultHostName}`
  const send = httpSender(clients)
  if (fn.trigger.type === 'http') {
    const path = request.path ?? fn.trigger.route
    if (/[{}]/.test(path))
      throw new XfnError(
        'INVALID_OPTIONS',
        `The route of '${fn.name}' is ${fn.trigger.route}: pass the path to call, such as --path ${fn.trigger.route.replace(/\{\*?([^}]+)\}/g, '<$1>')}.`,
      )
    const headers: Record<string, string> = request.data
      ? { 'content-type': isJson(request.data) ? 'application/json' : 'text/plain' }
      : {}
    if (fn.trigger.auth === 'key') {
      const keys = await clients.storage.storageAccounts.listKeys(rg, layout.storageAccount)
      headers[apiKeyHeader] = deriveApiKey(keys.keys?.[0]?.value ?? '', target)
    }
    const answer = await send({
      url: `${base}${path}`,
      method: (request.method ?? fn.trigger.methods[0] ?? 'GET') as 'GET',
      headers,
      body: request.data || undefined,
    })
    return {
      status: answer.status,
      result: isJson(answer.text) ? JSON.parse(answer.text) : answer.text,
      error: answer.status >= 500 ? `HTTP ${answer.status}` : undefined,
      accepted: false,
    }
  }
  const keys = await clients.web.webApps.listHostKeys(rg, layout.functionApp)
  // A topic function takes the Event Grid event its subscription would deliver.
  const input =
    fn.trigger.type === 'topic'
      ? JSON.stringify(
          topicEvent(
            fn.trigger.topic,
            { body: request.data, attributes: {} },
            crypto.randomUUID(),
            new Date(),
          ),
        )
      : request.data
  const answer = await send({
    url: `${base}/admin/functions/${fn.name}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': keys.masterKey ?? '' },
    body: JSON.stringify({ input }),
  })
  const accepted = answer.status === 202
  return {
    status: answer.status,
    result: undefined,
    error: accepted ? undefined : `the host answered ${answer.status}: ${answer.text.slice(0, 300)}`,
    accepted,
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return text.trim() !== ''
  } catch {
    return false
  }
}
