export const httpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const
export type HttpMethod = (typeof httpMethods)[number]

export const httpAuthModes = ['public', 'key'] as const
/** `key`: callers send the key xfn prints at deploy in an `x-api-key` header, on every cloud. */
export type HttpAuth = (typeof httpAuthModes)[number]

/** A WHATWG `Request` with the route's parameters, decoded. */
export interface HttpRequest extends Request {
  readonly params: Readonly<Record<string, string>>
}

/** A plain result, the fast alternative to building a `Response`. Give `body` or `json`, not both. */
export interface HttpResult {
  readonly status?: number
  readonly headers?: Readonly<Record<string, string | readonly string[]>>
  readonly body?: string | Uint8Array
  readonly json?: unknown
}
