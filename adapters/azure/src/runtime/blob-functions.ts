import type { BlobEventType } from '@xfn/core'

/**
 * The Azure functions a blob function becomes: a blob trigger for new and changed blobs, and an
 * Event Grid trigger for deletions (`Microsoft.Storage.BlobDeleted` from the storage account's
 * system topic), since the blob trigger does not fire on them. Each keeps the app's name, unless
 * one function listens to both, when the deletions get `<name>-deleted`.
 */
export function azureBlobFunctions(name: string, events: readonly BlobEventType[]) {
  return {
    created: events.includes('created') ? name : undefined,
    deleted: events.includes('deleted') ? (events.length > 1 ? `${name}-deleted` : name) : undefined,
  }
}
