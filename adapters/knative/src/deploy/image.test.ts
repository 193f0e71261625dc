import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeLayer } from '../build/layer.js'
import {
  type LocalRegistry,
  missingImageTools,
  pushBaseImage,
  run,
  startRegistry,
} from './__fixtures__/registry.js'
import { publishImage } from './image.js'
import { parseImageReference } from './registry.js'

describe('an image layer', () => {
  it('is the same bytes for the same files, whatever order they come in', async () => {
    const files = [
      ['app/index.mjs', 'export {}\n'],
      ['app/chunks/a.mjs', 'a'],
      ['app/index.mjs.map', '{}'],
    ] as const
    const one = await makeLayer(new Map(files.map(([p, t]) => [p, Buffer.from(t)])))
    const two = await makeLayer(new Map([...files].reverse().map(([p, t]) => [p, Buffer.from(t)])))
    expect(two.digest).toBe(one.digest)
    expect(two.diffId).toBe(one.diffId)
    const other = await makeLayer(new Map([['app/index.mjs', Buffer.from('export {} \n')]]))
    expect(other.digest).not.toBe(one.digest)
  })
})

describe('image references, as the distribution project reads them', () => {
  // Its own table of names (./__fixtures__/reference-names.json, with its provenance).
  const { cases } = JSON.parse(
    readFileSync(new URL('./__fixtures__/reference-names.json', import.meta.url), 'utf8'),
  ) as { cases: { reference: string; domain: string; path: string }[] }
  it.each(cases)('$reference is $path on $domain', ({ reference, domain, path }) => {
    expect(parseImageReference(reference)).toEqual({ host: domain, path })
  })
  it.each([
    ['node:22-slim', { host: 'docker.io', path: 'library/node', tag: '22-slim' }],
    [
      '127.0.0.1:5000/xfn/orders@sha256:abc',
      { host: '127.0.0.1:5000', path: 'xfn/orders', digest: 'sha256:abc' },
    ],
  ])('%s keeps its tag or digest', (reference, parts) => {
    expect(parseImageReference(reference)).toEqual(parts)
  })
})

const missing = missingImageTools()
if (missing.length > 0 && process.env.XFN_REQUIRE_REGISTRY)
  throw new Error(`XFN_REQUIRE_REGISTRY is set, but ${missing.join(', ')} are not installed`)

describe.skipIf(missing.length > 0)(
  'an image pushed to a real registry (docker-registry), read by skopeo',
  () => {
    let registry: LocalRegistry
    let base = ''
    beforeAll(async () => {
      registry = await startRegistry()
      base = pushBaseImage(registry)
    }, 60_000)
    afterAll(() => registry?.stop())

    it('is pushed once: the same layer on the same base is the same digest, and a second push writes nothing', async () => {
      const layer = await makeLayer(new Map([['app/index.mjs', Buffer.from('console.log("hi")\n')]]))
      const first = await publishImage({ registry: `${registry.host}/xfn/one`, baseImage: base, layer })
      // The base layer is mounted from its repository (1 request), then the app layer, the config
      // (an upload and its completion each) and the manifest.
      expect(first.writes).toBe(6)
      const again = await publishImage({ registry: `${registry.host}/xfn/one`, baseImage: base, layer })
      expect(again).toEqual({ ...first, writes: 0 })
      const inspected = JSON.parse(
        run('skopeo', 'inspect', '--tls-verify=false', '--config', `docker://${first.reference}`),
      ) as {
        config: { Entrypoint: string[]; WorkingDir: string }
        rootfs: { diff_ids: string[] }
        created: string
      }
      expect(inspected.config.Entrypoint).toEqual(['node', '/app/index.mjs'])
      expect(inspected.config.WorkingDir).toBe('/app')
      expect(inspected.created).toBe('1970-01-01T00:00:00Z')
      expect(inspected.rootfs.diff_ids.at(-1)).toBe(layer.diffId)
      const raw = JSON.parse(
        run('skopeo', 'inspect', '--tls-verify=false', '--raw', `docker://${first.reference}`),
      ) as {
        mediaType: string
        layers: { digest: string }[]
      }
      expect(raw.mediaType).toBe('application/vnd.oci.image.manifest.v1+json')
      expect(raw.layers.at(-1)?.digest).toBe(layer.digest)
    })

    it('refuses a base that is not pinned by digest, and says how to pin it', async () => {
      const layer = await makeLayer(new Map([['app/index.mjs', Buffer.from('')]]))
      await expect(
        publishImage({
          registry: `${registry.host}/xfn/two`,
          baseImage: `${registry.host}/base/node:1`,
          layer,
        }),
      ).rejects.toThrow(/not pinned by digest.*skopeo inspect/)
    })

    it('says which registry it cannot reach', async () => {
      const layer = await makeLayer(new Map([['app/index.mjs', Buffer.from('')]]))
      await expect(
        publishImage({
          registry: '127.0.0.1:9/xfn/three',
          baseImage: base.replace(registry.host, '127.0.0.1:9'),
          layer,
        }),
      ).rejects.toThrow(/Cannot reach the image registry 127\.0\.0\.1:9/)
    })
  },
)
