import type { IncomingMessage, ServerResponse } from 'node:http'
import type { PlainResult } from './result.js'

/*
 * A handler's result written to a node:http response, and a request's parts read from it: for the
 * targets that serve HTTP with Node's own server (the local cloud, a container's entry).
 */

/** Writes a WHATWG Response; a HEAD request gets the headers alone. */
export async function writeResponse(
  res: ServerResponse,
  response: Response,
  method: string | undefined,
): Promise<void> {
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  res.writeHead(response.status, headers)
  if (!response.body || method === 'HEAD') return void res.end()
  res.end(new Uint8Array(await response.arrayBuffer()))
}

/** Writes a plain result, synchronously (the common case, on every request); HEAD gets the headers alone. */
export function writePlain(res: ServerResponse, result: PlainResult, method: string | undefined): void {
  const headers: Record<string, string | string[]> = {}
  for (const name in result.headers) {
    const value = result.headers[name]
    headers[name] = typeof value === 'string' ? value : [...(value ?? [])]
  }
  res.writeHead(result.status, headers)
  res.end(method === 'HEAD' ? undefined : (result.body ?? undefined))
}

/** A request's body, up to `maxBytes`; beyond that the rest is drained and 'too-large' returned. */
export function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > maxBytes) {
      req.resume()
      return resolve('too-large')
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBytes) chunks.push(chunk)
    })
    req.on('end', () => resolve(size > maxBytes ? 'too-large' : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** One header's first value, or null. */
export function headerOf(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name]
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null)
}

/** Every header as sent, repeated ones included, in order. */
export function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers()
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string)
  return headers
}
