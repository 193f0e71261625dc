import type { HttpRequest } from './types.js'

/** A body that must be fetched, as on hosts that stream it to the worker. */
export type BodySource = () => Promise<Uint8Array>

/** The parts of a request as a cloud event carries them; each is turned into its object only when read. */
export interface RequestParts {
  readonly method: string
  /** Builds the absolute URL. */
  readonly url: () => string
  /** Builds the headers. */
  readonly headers: () => Headers
  /** The body as the event carries it: text, base64 text, bytes, a source to read it from, or nothing. */
  readonly body: string | Uint8Array | BodySource | null
  readonly bodyIsBase64: boolean
  readonly params: Readonly<Record<string, string>>
}

const decoder = new TextDecoder()
const unusable = () => new TypeError('Body is unusable: Body has already been read')

/**
 * A `Request` that builds only what the handler touches. Reading `json()` of a text body is one
 * `JSON.parse`; the URL, the headers, a body stream and a real `Request` (for `signal` and the
 * rarer members) are built on first use. Bodies can be read once, as with `Request`. It is an
 * `instanceof Request` once its headers have been read (see `linkToRequest`).
 */
export class LazyRequest implements HttpRequest {
  readonly method: string
  readonly params: Readonly<Record<string, string>>
  readonly #parts: RequestParts
  #url: string | undefined
  #headers: Headers | undefined
  #stream: ReadableStream<Uint8Array> | null | undefined
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
    if (this.#headers === undefined) {
      this.#headers = this.#parts.headers()
      linkToRequest()
    }
    return this.#headers
  }

  get bodyUsed(): boolean {
    return this.#used
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#stream !== undefined) return this.#stream
    if (this.#parts.body === null) {
      this.#stream = null
      return null
    }
    this.#stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        controller.enqueue(await this.bytes())
        controller.close()
      },
    })
    return this.#stream
  }

  text(): Promise<string> {
    try {
      const raw = this.#take()
      if (typeof raw === 'function') return raw().then((bytes) => decoder.decode(bytes))
      return Promise.resolve(this.#textOf(raw))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  json<T = unknown>(): Promise<T> {
    try {
      const raw = this.#take()
      if (typeof raw === 'function') return raw().then((bytes) => JSON.parse(decoder.decode(bytes)) as T)
      return Promise.resolve(JSON.parse(this.#textOf(raw)) as T)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    const raw = this.#take()
    if (raw === null) return new Uint8Array(0)
    const bytes = typeof raw === 'function' ? await raw() : this.#bytesOf(raw)
    return new Uint8Array(bytes) as Uint8Array<ArrayBuffer>
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.bytes()).buffer
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()], { type: this.headers.get('content-type') ?? '' })
  }

  async formData(): Promise<FormData> {
    const type = this.headers.get('content-type') ?? ''
    return (await new Response(await this.bytes(), {
      headers: { 'content-type': type },
    }).formData()) as FormData
  }

  clone(): HttpRequest {
    if (this.#used) throw unusable()
    return new LazyRequest(this.#parts)
  }

  get duplex() {
    return 'half' as const
  }

  // The rarer members come from a real Request (without the body), defined on the prototype below.
  declare readonly cache: Request['cache']
  declare readonly credentials: Request['credentials']
  declare readonly destination: Request['destination']
  declare readonly integrity: string
  declare readonly keepalive: boolean
  declare readonly mode: Request['mode']
  declare readonly redirect: Request['redirect']
  declare readonly referrer: string
  declare readonly referrerPolicy: Request['referrerPolicy']
  declare readonly signal: AbortSignal;

  /** As `console.log` shows it: the real `Request` it stands for. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (value: unknown, options: object) => string,
  ): string {
    return inspect(this.realRequest(), options)
  }

  /** A real `Request` with this one's method, URL and headers, for the members only it has. */
  realRequest(): Request {
    this.#real ??= new Request(this.url, { method: this.method, headers: this.headers })
    linkToRequest()
    return this.#real
  }

  #take(): string | Uint8Array | BodySource | null {
    if (this.#used) throw unusable()
    this.#used = true
    return this.#parts.body
  }

  #textOf(raw: string | Uint8Array | null): string {
    if (raw === null) return ''
    if (typeof raw === 'string' && !this.#parts.bodyIsBase64) return raw
    return decoder.decode(this.#bytesOf(raw))
  }

  #bytesOf(raw: string | Uint8Array): Uint8Array {
    if (typeof raw !== 'string') return raw
    return this.#parts.bodyIsBase64 ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8')
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
  'isReloadNavigation',
  'isHistoryNavigation',
] as const) {
  Object.defineProperty(LazyRequest.prototype, member, {
    get(this: LazyRequest) {
      return (this.realRequest() as unknown as Record<string, unknown>)[member]
    },
  })
}

/**
 * Puts `Request.prototype` behind `LazyRequest.prototype`, so `request instanceof Request` holds
 * and `Object.prototype.toString` says `[object Request]`, while every member stays
 * LazyRequest's own. It runs when the request builds its headers or a real `Request`, that is
 * once Node's fetch implementation is loaded: reading the global `Request` any sooner would load
 * it (some 20 to 30 ms of a cold start; on Node 24 even asking for the global's property
 * descriptor does), which a handler that reads only parameters and the body should not pay.
 */
function linkToRequest(): void {
  if (Object.getPrototypeOf(LazyRequest.prototype) !== Request.prototype)
    Object.setPrototypeOf(LazyRequest.prototype, Request.prototype)
}
