import type { BucketSpec, ResourceProvider } from '@xfn/core'
import type { KnativeRuntimeEnv } from './settings.js'

type BucketOperations = Pick<
  ResourceProvider,
  'putObject' | 'getObject' | 'listObjects' | 'deleteObject' | 'signedUrl'
>

/**
 * The app's buckets in the S3-compatible store it is configured with, through the same S3 client
 * code as on AWS, path-style. The deployer cannot always reach the store (it often has an address
 * inside the cluster only), so a bucket is made by the entry when first written to, and a bucket
 * not made yet reads as empty. Loads the S3 client at its first use.
 */
export function knativeStore(settings: KnativeRuntimeEnv): BucketOperations & {
  /** Writes an object to a bucket of the store by its name there (the dead letters' bucket). */
  keep(bucket: string, key: string, body: string): Promise<void>
} {
  const clientSettings = {
    ...(settings.storeEndpoint ? { endpoint: settings.storeEndpoint, forcePathStyle: true } : {}),
    region: settings.storeRegion ?? 'us-east-1',
  }
  let operations: Promise<ResourceProvider> | undefined
  const provider = () => {
    operations ??= import('@xfn/aws/runtime').then(({ awsResourceProvider }) =>
      awsResourceProvider(
        {
          queues: {},
          buckets: Object.fromEntries(Object.entries(settings.buckets).map(([k, v]) => [k, { name: v }])),
        },
        clientSettings,
      ),
    )
    return operations
  }
  let s3:
    | Promise<{ client: import('@aws-sdk/client-s3').S3Client; sdk: typeof import('@aws-sdk/client-s3') }>
    | undefined
  const client = () => {
    s3 ??= import('@aws-sdk/client-s3').then((sdk) => ({ client: new sdk.S3Client(clientSettings), sdk }))
    return s3
  }
  const missing = (error: unknown) => (error as { name?: string }).name === 'NoSuchBucket'
  const storeName = (bucket: BucketSpec) => settings.buckets[bucket.name] ?? bucket.name
  /** Runs a write; when the bucket is not there yet, makes it and runs the write again. */
  const writing = async (name: string, write: () => Promise<void>) => {
    try {
      await write()
    } catch (error) {
      if (!missing(error)) throw error
      const { client: s3Client, sdk } = await client()
      try {
        await s3Client.send(new sdk.CreateBucketCommand({ Bucket: name }))
      } catch (made) {
        // Another replica made it first.
        const code = (made as { name?: string }).name
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw made
      }
      await write()
    }
  }
  return {
    putObject: (bucket, key, body, contentType) =>
      writing(storeName(bucket), async () => (await provider()).putObject(bucket, key, body, contentType)),
    async getObject(bucket, key) {
      try {
        return await (await provider()).getObject(bucket, key)
      } catch (error) {
        if (missing(error)) return null
        throw error
      }
    },
    async *listObjects(bucket, prefix) {
      try {
        yield* (await provider()).listObjects(bucket, prefix)
      } catch (error) {
        if (!missing(error)) throw error
      }
    },
    async deleteObject(bucket, key) {
      try {
        await (await provider()).deleteObject(bucket, key)
      } catch (error) {
        if (!missing(error)) throw error
      }
    },
    signedUrl: async (bucket, key, options) => (await provider()).signedUrl(bucket, key, options),
    keep: (bucket, key, body) =>
      writing(bucket, async () => {
        const { client: s3Client, sdk } = await client()
        await s3Client.send(
          new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
        )
      }),
  }
}
