import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { XfnError } from '@xfn/core'

/*
 * The part of the OCI distribution API (distribution-spec v1.1) an image push needs: blobs
 * checked, mounted or uploaded (POST then PUT with the digest), manifests read and put. Registries
 * that ask for a token (Docker Hub, GHCR, most clouds') get the token dance of the Docker registry
 * token specification, anonymous or with the credentials `docker login` wrote.
 */

/** A repository in a registry: `registry.example.com:5000/team/app`. */
export interface Repository {
  readonly host: string
  readonly path: string
}

/**
 * An image reference split into its parts, as docker and the distribution project read it: the
 * first part of the name is a registry when it holds a dot or a colon, is `localhost`, or has an
 * upper-case letter (names may not); else the image is on Docker Hub (`index.docker.io` is its
 * old name), where a one-part name is an official image under `library/`.
 */
export function parseImageReference(reference: string): Repository & { tag?: string; digest?: string } {
  const [name = '', digest] = reference.split('@')
  const slash = name.indexOf('/')
  const first = slash < 0 ? '' : name.slice(0, slash)
  const isHost = first === 'localhost' || /[.:]/.test(first) || first !== first.toLowerCase()
  const host = !isHost || first === 'index.docker.io' ? 'docker.io' : first
  let path = isHost ? name.slice(slash + 1) : name
  let tag: string | undefined
  const colon = path.lastIndexOf(':')
  if (colon > 0) {
    tag = path.slice(colon + 1)
    path = path.slice(0, colon)
  }
  if (host === 'docker.io' && !path.includes('/')) path = `library/${path}`
  return { host, path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) }
}

export const manifestTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const

/** The requests made, by method, for a deploy's count of what it changed. */
export interface RegistryCalls {
  reads: number
  writes: number
}

export class RegistryClient {
  readonly #base: string
  readonly #host: string
  #token: string | undefined
  readonly calls: RegistryCalls = { reads: 0, writes: 0 }

  constructor(host: string, options: { readonly insecure?: boolean } = {}) {
    this.#host = host
    const apiHost = host === 'docker.io' ? 'registry-1.docker.io' : host
    const plain = options.insecure || /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host)
    this.#base = `${plain ? 'http' : 'https'}://${apiHost}`
  }

  async blobExists(repository: string, digest: string): Promise<boolean> {
    const response = await this.#request('HEAD', `/v2/${repository}/blobs/${digest}`)
    return response.ok
  }

  async getBlob(repository: string, digest: string): Promise<Uint8Array> {
    const response = await this.#request('GET', `/v2/${repository}/blobs/${digest}`)
    await this.#expect(response, 200, `reading blob ${digest} of ${repository}`)
    return new Uint8Array(await response.arrayBuffer())
  }

  /** Uploads a blob unless the repository has it; `from`: a repository of the same registry to mount it from. */
  async putBlob(
    repository: string,
    digest: string,
    bytes: () => Promise<Uint8Array>,
    from?: string,
  ): Promise<boolean> {
    if (await this.blobExists(repository, digest)) return false
    const mount = from ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}` : ''
    const started = await this.#request('POST', `/v2/${repository}/blobs/uploads/${mount}`)
    if (started.status === 201) return true
    await this.#expect(started, 202, `starting an upload to ${repository}`)
    const location = new URL(started.headers.get('location') ?? '', this.#base)
    location.searchParams.set('digest', digest)
    const body = await bytes()
    const done = await this.#request('PUT', location.toString(), body, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.byteLength),
    })
    await this.#expect(done, 201, `uploading blob ${digest} to ${repository}`)
    return true
  }

  /** A manifest by tag or digest, with its media type and its bytes as the registry holds them. */
  async getManifest(
    repository: string,
    reference: string,
  ): Promise<{ mediaType: string; bytes: Uint8Array; json: Record<string, unknown> } | undefined> {
    const response = await this.#request('GET', `/v2/${repository}/manifests/${reference}`, undefined, {
      accept: Object.values(manifestTypes).join(', '),
    })
    if (response.status === 404) return undefined
    await this.#expect(response, 200, `reading manifest ${reference} of ${repository}`)
    const bytes = new Uint8Array(await response.arrayBuffer())
    const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>
    return { mediaType: String(json.mediaType ?? response.headers.get('content-type') ?? ''), bytes, json }
  }

  async putManifest(
    repository: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<void> {
    const response = await this.#request('PUT', `/v2/${repository}/manifests/${reference}`, bytes, {
      'content-type': mediaType,
    })
    await this.#expect(response, 201, `putting manifest ${reference} to ${repository}`)
  }

  async #request(
    method: string,
    path: string,
    body?: Uint8Array,
    headers: Record<string, string> = {},
    retried = false,
  ): Promise<Response> {
    if (method === 'GET' || method === 'HEAD') this.calls.reads++
    else this.calls.writes++
    const url = path.startsWith('http') ? path : `${this.#base}${path}`
    let response: Response
    try {
      response = await fetch(url, {
        method,
        headers: { ...headers, ...(this.#token ? { authorization: this.#token } : {}) },
        ...(body ? { body } : {}),
      })
    } catch (error) {
      throw new XfnError(
        'CLOUD_ERROR',
        `Cannot reach the image registry ${this.#host} (${url}): ${(error as Error).cause ?? (error as Error).message}. Check knative.registry in xfn.config.ts.`,
      )
    }
    if (response.status === 401 && !retried) {
      await response.body?.cancel()
      this.#token = await this.#authorize(response.headers.get('www-authenticate') ?? '')
      return this.#request(method, path, body, headers, true)
    }
    return response
  }

  /** The Authorization header a 401's challenge asks for: a bearer token, or the basic credentials. */
  async #authorize(challenge: string): Promise<string> {
    const basic = credentialsFor(this.#host)
    if (/^basic/i.test(challenge)) {
      if (!basic) throw this.#unauthorized()
      return `Basic ${basic}`
    }
    const fields = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    if (!fields.realm) throw this.#unauthorized()
    const url = new URL(fields.realm)
    if (fields.service) url.searchParams.set('service', fields.service)
    if (fields.scope) url.searchParams.set('scope', fields.scope)
    const response = await fetch(url, basic ? { headers: { authorization: `Basic ${basic}` } } : {})
    if (!response.ok) throw this.#unauthorized()
    const token = (await response.json()) as { token?: string; access_token?: string }
    return `Bearer ${token.token ?? token.access_token ?? ''}`
  }

  #unauthorized(): XfnError {
    return new XfnError(
      'CLOUD_ERROR',
      `The image registry ${this.#host} refused xfn's credentials. Log in with: docker login ${this.#host}`,
    )
  }

  async #expect(response: Response, status: number, what: string): Promise<void> {
    if (response.status === status) return
    const detail = (await response.text()).slice(0, 300)
    throw new XfnError(
      'CLOUD_ERROR',
      `The image registry ${this.#host} answered ${response.status} ${what}: ${detail}`,
    )
  }
}

/** The base64 `user:password` that `docker login` stored for a registry, if any. */
function credentialsFor(host: string): string | undefined {
  const file = join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json')
  try {
    const auths =
      (JSON.parse(readFileSync(file, 'utf8')) as { auths?: Record<string, { auth?: string }> }).auths ?? {}
    const keys =
      host === 'docker.io' ? ['https://index.docker.io/v1/', 'docker.io'] : [host, `https://${host}`]
    return keys.map((key) => auths[key]?.auth).find(Boolean)
  } catch {
    return undefined
  }
}
