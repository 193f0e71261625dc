import type { BlobEvent, ErrorCode, FunctionDefinition, PublishedMessage, QueueSpec } from '@xfn/core'

/**
 * The messages between the local cloud and the sandbox process that runs the app's code. The
 * cloud keeps the journal, the timers and the bucket watchers; the sandbox loads the app, serves
 * its HTTP connections (handed over one by one) and runs the invocations the cloud asks for.
 */

/** What a sandbox needs to load an app: sent once, as the first message. */
export interface LoadOrder {
  readonly type: 'load'
  readonly module: string
  readonly sha256: string
  readonly apiKeySha256: string
  readonly logs: string
  readonly invocations: string
  readonly buckets: string
  /** The file of the app's secrets. */
  readonly secrets: string
  /** Where signed bucket URLs point (the cloud's service port), and the secret that signs them. */
  readonly serviceUrl: string
  readonly signingSecret: string
}

/** A function as the cloud sees it: its trigger and settings (the handler and grants stay in the sandbox). */
export type FunctionShape = Pick<FunctionDefinition, 'name' | 'trigger' | 'settings'>

/** The event of a queue, timer or blob invocation, as plain data; the sandbox makes the neutral event. */
export type InvocationEvent =
  | {
      readonly kind: 'queue'
      readonly message: { id: string; body: string; attempt: number; enqueuedAt: number }
      readonly native: unknown
    }
  | {
      readonly kind: 'topic'
      readonly message: {
        id: string
        body: string
        attempt: number
        publishedAt: number
        attributes: Readonly<Record<string, string>>
        topic: string
      }
      readonly native: unknown
    }
  | { readonly kind: 'timer'; readonly due: Date; readonly at: Date; readonly native: unknown }
  | { readonly kind: 'blob'; readonly event: Omit<BlobEvent, 'native'>; readonly native: unknown }

export type CloudToSandbox =
  | LoadOrder
  | {
      readonly type: 'invoke'
      readonly id: number
      readonly function: string
      readonly event: InvocationEvent
    }
  | { readonly type: 'sent'; readonly id: number; readonly error?: { code: ErrorCode; message: string } }
  /** Comes with a connection to serve. */
  | { readonly type: 'connection' }
  /** Stop taking work, finish what is under way, then exit. */
  | { readonly type: 'drain' }

export type SandboxToCloud =
  /** The sandbox listens for messages: the load order can come. */
  | { readonly type: 'listening' }
  | {
      readonly type: 'ready'
      readonly functions: FunctionShape[]
      readonly queues: QueueSpec[]
    }
  | { readonly type: 'loadFailed'; readonly message: string }
  | {
      readonly type: 'result'
      readonly id: number
      readonly invocationId: string
      readonly ok: boolean
      readonly error?: string
    }
  /** A handler's queue('x').send(): the cloud writes the journal; `id` comes back in 'sent'. */
  | { readonly type: 'send'; readonly id: number; readonly queue: string; readonly bodies: string[] }
  /** A handler's topic('x').publish(): the cloud writes a copy for each subscription; `id` comes back in 'sent'. */
  | {
      readonly type: 'publish'
      readonly id: number
      readonly topic: string
      readonly messages: readonly PublishedMessage[]
    }
  /**
   * Sent four times a second while the event loop turns, with the earliest deadline of the
   * invocations under way: beats that stop past a deadline mean a handler holds the loop.
   */
  | { readonly type: 'beat'; readonly deadline: number | null }
  /** Comes with a kept-alive connection that a draining sandbox gives back, for the next one to serve. */
  | { readonly type: 'connection' }
  /** Why the sandbox is about to exit, when it knows (an uncaught error, process.exit). */
  | { readonly type: 'fatal'; readonly cause: string }
