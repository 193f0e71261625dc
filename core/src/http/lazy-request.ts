import type { HttpRequest } from './types.js'

/** The parts of a request as a cloud event carries them; each is turned into its object only when read. */
export interface RequestParts {
  readonly method: string
  /** Builds the absolute URL. */
  readonly url: () => string
  /** Builds the headers. */
  readonly headers: () => Headers
  /** The body as the event carries it: text, base64 text, bytes, or nothing. */
  readonly body: string | Uint8Array | null
  readonly bodyIsBase64: boolean
  readonly params: Readonly<Record<string, string>>
}

const decoder = new TextDecoder()

/**
 * A `Request`-compatible object that builds only what the handler touches. Reading `json()` of a
 * text body is one `JSON.parse`; the URL, the headers and a real `Request` (for `formData()`,
 * `signal` and the rarer members) are built on first use. Bodies can be read once, as with `Request`.
 */
export class LazyRequest implements HttpRequest {
  readonly method: string
  readonly params: Readonly<Record<string, string>>
  readonly #parts: RequestParts
  #url: string | undefined
  #headers: Headers | undefined
  #real: Request | undefined
  #used = false

  constructor(parts: RequestParts) {
    this.method = parts.method
    this.params = parts.params
    this.#parts = parts
  }

  get url(): string {
    this.#url ??= this.#parts.url()
    return this.#url
  }

  get headers(): Headers {
    this.#headers ??= this.#parts.headers()
    return this.#headers
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#real?.bodyUsed ?? false)
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.realRequest().body
  }

  text(): Promise<string> {
    try {
      return Promise.resolve(this.#textNow())
    } catch (error) {
      return Promise.reject(error)
    }
  }

  json<T = unknown>(): Promise<T> {
    try {
      return Promise.resolve(JSON.parse(this.#textNow()) as T)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #textNow(): string {
    const raw = this.#take()
    if (raw === null) return ''
    if (typeof raw === 'string' && !this.#parts.bodyIsBase64) return raw
    return decoder.decode(this.#bytesOf(raw))
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes()
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    const raw = this.#take()
    return raw === null ? new Uint8Array(0) : (new Uint8Array(this.#bytesOf(raw)) as Uint8Array<ArrayBuffer>)
  }

  async blob(): Promise<Blob> {
    const type = this.headers.get('content-type') ?? ''
    return new Blob([await this.bytes()], { type })
  }

  formData(): Promise<FormData> {
    return this.realRequest().formData() as Promise<FormData>
  }

  clone(): HttpRequest {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read')
    return new LazyRequest(this.#parts)
  }

  // The rarer members come from a real Request, defined on the prototype below.
  declare readonly cache: Request['cache']
  declare readonly credentials: Request['credentials']
  declare readonly destination: Request['destination']
  declare readonly integrity: string
  declare readonly keepalive: boolean
  declare readonly mode: Request['mode']
  declare readonly redirect: Request['redirect']
  declare readonly referrer: string
  declare readonly referrerPolicy: Request['referrerPolicy']
  declare readonly signal: AbortSignal

  get duplex() {
    return 'half' as const
  }

  #take(): string | Uint8Array | null {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read')
    this.#used = true
    return this.#parts.body
  }

  #bytesOf(raw: string | Uint8Array): Uint8Array {
    if (typeof raw !== 'string') return raw
    return this.#parts.bodyIsBase64 ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8')
  }

  /** The full `Request`, for the members that need one; it takes over the body from here on. */
  realRequest(): Request {
    if (this.#real) return this.#real
    const hasBody =
      this.method !== 'GET' && this.method !== 'HEAD' && this.#parts.body !== null && !this.#used
    this.#real = new Request(this.url, {
      method: this.method,
      headers: this.headers,
      ...(hasBody
        ? {
            body: this.#bytesOf(this.#parts.body as string | Uint8Array) as Uint8Array<ArrayBuffer>,
            duplex: 'half',
          }
        : {}),
    } as RequestInit)
    return this.#real
  }
}

for (const member of [
  'cache',
  'credentials',
  'destination',
  'integrity',
  'keepalive',
  'mode',
  'redirect',
  'referrer',
  'referrerPolicy',
  'signal',
] as const) {
  Object.defineProperty(LazyRequest.prototype, member, {
    get(this: LazyRequest) {
      return this.realRequest()[member]
    },
  })
}
