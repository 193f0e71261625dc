import { XfnError } from '@xfn/core'
import { appDir, entrypoint } from '../build/index.js'
import { type Layer, sha256Digest } from '../build/layer.js'
import { manifestTypes, parseImageReference, RegistryClient } from './registry.js'

const ociLayer = 'application/vnd.oci.image.layer.v1.tar+gzip'
const ociConfig = 'application/vnd.oci.image.config.v1+json'

interface Descriptor {
  readonly mediaType: string
  readonly digest: string
  readonly size: number
}

/** The image published: its reference by digest, and how many requests changed the registry. */
export interface PublishedImage {
  readonly reference: string
  readonly digest: string
  readonly writes: number
}

/**
 * Puts the app's layer on the base image and pushes the result, as ko and jib do, with no Docker:
 * the base's layers (copied from its registry, or mounted when it is the same one), the app's
 * layer, an image config that runs the entry, and an OCI manifest. Every part is content-addressed
 * and dated 1970-01-01, so the same build on the same base gives the same digest, and a push of an
 * image the registry has makes no change.
 */
export async function publishImage(input: {
  readonly registry: string
  readonly baseImage: string
  readonly layer: Layer
  readonly platform?: { readonly os: string; readonly architecture: string }
  readonly insecure?: boolean
  /** Work out the image and its digest, reading the registries only: for a dry run. */
  readonly dryRun?: boolean
}): Promise<PublishedImage> {
  const target = parseImageReference(input.registry)
  const base = parseImageReference(input.baseImage)
  if (!base.digest)
    throw new XfnError(
      'INVALID_OPTIONS',
      `knative.baseImage '${input.baseImage}' is not pinned by digest, so the same sources could give another image. Pin it: ${base.host}/${base.path}@sha256:<digest> (skopeo inspect docker://${input.baseImage} prints the digest).`,
    )
  const platform = input.platform ?? { os: 'linux', architecture: 'amd64' }
  const targetClient = new RegistryClient(target.host, { insecure: input.insecure })
  const baseClient =
    base.host === target.host ? targetClient : new RegistryClient(base.host, { insecure: input.insecure })

  const baseManifest = await baseManifestFor(baseClient, base.path, base.digest, platform, input.baseImage)
  const baseConfig = JSON.parse(
    Buffer.from(await baseClient.getBlob(base.path, baseManifest.config.digest)).toString('utf8'),
  ) as ImageConfig
  const config = imageConfig(baseConfig, input.layer)
  const configBytes = Buffer.from(JSON.stringify(config))
  const layers: Descriptor[] = [
    ...baseManifest.layers.map((l) => ({ mediaType: ociLayer, digest: l.digest, size: l.size })),
    { mediaType: ociLayer, digest: input.layer.digest, size: input.layer.gzip.byteLength },
  ]
  const manifest = {
    schemaVersion: 2,
    mediaType: manifestTypes.ociManifest,
    config: { mediaType: ociConfig, digest: sha256Digest(configBytes), size: configBytes.byteLength },
    layers,
    annotations: {
      'org.opencontainers.image.base.name': input.baseImage.split('@')[0],
      'org.opencontainers.image.base.digest': base.digest,
    },
  }
  const manifestBytes = Buffer.from(JSON.stringify(manifest))
  const digest = sha256Digest(manifestBytes)
  const reference = `${target.host}/${target.path}@${digest}`
  if (input.dryRun || (await targetClient.getManifest(target.path, digest)))
    return { reference, digest, writes: 0 }

  const sameRegistry = base.host === target.host
  for (const layer of baseManifest.layers)
    await targetClient.putBlob(
      target.path,
      layer.digest,
      () => baseClient.getBlob(base.path, layer.digest),
      sameRegistry ? base.path : undefined,
    )
  await targetClient.putBlob(target.path, input.layer.digest, async () => input.layer.gzip)
  await targetClient.putBlob(target.path, manifest.config.digest, async () => configBytes)
  await targetClient.putManifest(target.path, digest, manifestBytes, manifestTypes.ociManifest)
  return { reference, digest, writes: targetClient.calls.writes }
}

interface ImageConfig {
  architecture?: string
  os?: string
  config?: {
    Env?: string[]
    Entrypoint?: string[] | null
    Cmd?: string[] | null
    WorkingDir?: string
    [k: string]: unknown
  }
  rootfs?: { type: string; diff_ids: string[] }
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[]
  [k: string]: unknown
}

/** The base's config with the app's layer on top and the entry as what the container runs. */
function imageConfig(base: ImageConfig, layer: Layer): ImageConfig {
  const env = (base.config?.Env ?? []).filter((e) => !e.startsWith('NODE_ENV='))
  return {
    ...base,
    created: '1970-01-01T00:00:00Z',
    config: {
      ...base.config,
      Env: [...env, 'NODE_ENV=production'],
      Entrypoint: [...entrypoint],
      Cmd: null,
      WorkingDir: appDir,
      ExposedPorts: { '8080/tcp': {} },
    },
    rootfs: { type: 'layers', diff_ids: [...(base.rootfs?.diff_ids ?? []), layer.diffId] },
    history: [
      ...(base.history ?? []),
      {
        created: '1970-01-01T00:00:00Z',
        created_by: 'xfn build --cloud knative',
        comment: 'the app and its entry',
      },
    ],
  }
}

/** The base image's manifest for the platform, through its index when it has one. */
async function baseManifestFor(
  client: RegistryClient,
  repository: string,
  digest: string,
  platform: { os: string; architecture: string },
  name: string,
): Promise<{ config: Descriptor; layers: Descriptor[] }> {
  const found = await client.getManifest(repository, digest)
  if (!found)
    throw new XfnError(
      'INVALID_OPTIONS',
      `knative.baseImage '${name}' is not in its registry. Check the name and digest.`,
    )
  if (sha256Digest(found.bytes) !== digest)
    throw new XfnError(
      'CLOUD_ERROR',
      `The registry's manifest of ${name} does not have the digest it was asked for.`,
    )
  if (found.mediaType === manifestTypes.ociIndex || found.mediaType === manifestTypes.dockerList) {
    const entries = (found.json.manifests ?? []) as {
      digest: string
      platform?: { os?: string; architecture?: string }
    }[]
    const match = entries.find(
      (m) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture,
    )
    if (!match)
      throw new XfnError(
        'INVALID_OPTIONS',
        `knative.baseImage '${name}' has no ${platform.os}/${platform.architecture} image (it has ${entries.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).join(', ')}).`,
      )
    return baseManifestFor(client, repository, match.digest, platform, name)
  }
  return found.json as unknown as { config: Descriptor; layers: Descriptor[] }
}
