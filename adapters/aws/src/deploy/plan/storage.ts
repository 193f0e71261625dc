import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutBucketTaggingCommand,
} from '@aws-sdk/client-s3'
import { CreateQueueCommand, DeleteQueueCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs'
import type { Desired } from '../desired.js'
import { errorName, ifExists } from '../errors.js'
import type { Observed } from '../observe.js'
import { type Change, type PlanOptions, phase, tagList } from './change.js'

/* The changes to the app's SQS queues (each with its dead-letter queue) and S3 buckets. */

export function queueChanges(desired: Desired, observed: Observed): Change[] {
  const changes: Change[] = []
  const wanted = new Set<string>()
  const reconcile = (
    name: string,
    attributes: Readonly<Record<string, string>>,
    order: number,
    what: string,
  ) => {
    wanted.add(name)
    const existing = observed.queues.get(name)
    if (!existing) {
      changes.push({
        action: 'create',
        kind: 'queue',
        name,
        reason: what,
        phase: order,
        async run({ clients, facts }) {
          const made = await clients.sqs.send(
            new CreateQueueCommand({ QueueName: name, Attributes: attributes, tags: desired.tags }),
          )
          if (made.QueueUrl) facts.queueUrls.set(name, made.QueueUrl)
        },
      })
      return
    }
    const differing = Object.keys(attributes).filter(
      (key) => key !== 'FifoQueue' && !sameAttribute(key, existing.attributes[key], attributes[key]),
    )
    if (differing.length === 0) return
    changes.push({
      action: 'update',
      kind: 'queue',
      name,
      reason: `${differing.join(', ')} changed`,
      phase: order,
      async run({ clients }) {
        await clients.sqs.send(
          new SetQueueAttributesCommand({
            QueueUrl: existing.url,
            Attributes: Object.fromEntries(differing.map((key) => [key, attributes[key] ?? ''])),
          }),
        )
      },
    })
  }
  for (const queue of desired.queues) {
    reconcile(
      queue.deadLetter,
      queue.deadLetterAttributes,
      phase.deadLetterQueue,
      `dead-letter queue of '${queue.logical}'`,
    )
    reconcile(queue.name, queue.attributes, phase.queue, `queue '${queue.logical}'`)
  }
  for (const [name, { url }] of observed.queues) {
    if (wanted.has(name)) continue
    changes.push({
      action: 'delete',
      kind: 'queue',
      name,
      reason: 'no longer declared by the app',
      phase: phase.deleteQueue,
      run: async ({ clients }) =>
        void (await ifExists(() => clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url })))),
    })
  }
  return changes
}

export function bucketChanges(desired: Desired, observed: Observed, options: PlanOptions): Change[] {
  const changes: Change[] = []
  const { region } = desired.target
  for (const bucket of desired.buckets) {
    if (observed.buckets.has(bucket.name)) continue
    changes.push({
      action: 'create',
      kind: 'bucket',
      name: bucket.name,
      reason: `bucket '${bucket.logical}'`,
      phase: phase.bucket,
      async run({ clients }) {
        try {
          await clients.s3.send(
            new CreateBucketCommand({
              Bucket: bucket.name,
              ...(region === 'us-east-1'
                ? {}
                : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
            }),
          )
        } catch (error) {
          // Made by a deploy that stopped before tagging it.
          if (errorName(error) !== 'BucketAlreadyOwnedByYou') throw error
        }
        await clients.s3.send(
          new PutBucketTaggingCommand({ Bucket: bucket.name, Tagging: { TagSet: tagList(desired.tags) } }),
        )
      },
    })
  }
  const wanted = new Set(desired.buckets.map((b) => b.name))
  for (const name of observed.buckets.keys()) {
    if (wanted.has(name)) continue
    changes.push({
      action: 'delete',
      kind: 'bucket',
      name,
      reason: options.deleteData
        ? 'destroy: its objects are deleted too'
        : 'no longer declared (kept if it holds objects)',
      phase: phase.deleteBucket,
      async run({ clients, warn }) {
        const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: name, MaxKeys: 1000 }))
        if ((listed.KeyCount ?? 0) > 0 && !options.deleteData) {
          warn(`Kept bucket ${name}: it holds objects. Empty it, or run xfn destroy, to remove it.`)
          return
        }
        let page = listed
        while ((page.Contents ?? []).length > 0) {
          await clients.s3.send(
            new DeleteObjectsCommand({
              Bucket: name,
              Delete: { Objects: (page.Contents ?? []).map((o) => ({ Key: o.Key })), Quiet: true },
            }),
          )
          if (!page.IsTruncated) break
          page = await clients.s3.send(new ListObjectsV2Command({ Bucket: name, MaxKeys: 1000 }))
        }
        await ifExists(() => clients.s3.send(new DeleteBucketCommand({ Bucket: name })))
      },
    })
  }
  return changes
}

/**
 * SQS returns numbers as strings, the redrive policy as JSON with either form, and the access
 * policy as JSON it may have reformatted.
 */
function sameAttribute(key: string, actual: string | undefined, wanted: string | undefined): boolean {
  if (key !== 'RedrivePolicy' && key !== 'Policy') return actual === wanted
  if (!actual || !wanted) return actual === wanted
  if (key === 'Policy') return JSON.stringify(JSON.parse(actual)) === JSON.stringify(JSON.parse(wanted))
  const parse = (text: string) => {
    const policy = JSON.parse(text) as { deadLetterTargetArn?: string; maxReceiveCount?: unknown }
    return `${policy.deadLetterTargetArn}|${String(policy.maxReceiveCount)}`
  }
  return parse(actual) === parse(wanted)
}
