/* What a function may use, as data: the kinds of access, and the grants `uses` lists. */

export const accessKinds = ['send', 'read', 'write', 'publish'] as const
/**
 * `send` a queue's messages; `read` (get, list, signed GET URLs) or `write` (put, delete, signed
 * PUT URLs) a bucket's objects, or `read` a secret's value; `publish` to a topic.
 */
export type Access = (typeof accessKinds)[number]

/** What one function may do with one resource. */
export interface Grant {
  readonly resource: 'queue' | 'bucket' | 'topic' | 'secret'
  readonly name: string
  readonly access: readonly Access[]
}

/** A narrower grant than the resource itself: `receipts.readOnly`, `receipts.writeOnly`. */
export interface ResourceGrant extends Grant {
  readonly kind: 'grant'
}

/** What `uses` takes: a queue (send), a bucket (read and write), a topic (publish), a secret (read), or a narrower grant. */
export type Usable =
  | { readonly kind: 'queue'; readonly name: string }
  | { readonly kind: 'topic'; readonly name: string }
  | { readonly kind: 'bucket'; readonly name: string }
  | { readonly kind: 'secret'; readonly name: string }
  | ResourceGrant
