import { azureNames, type NameTarget, xfnCommand } from '@xfn/core'

/** Where a deploy goes: the app and stage, the subscription, region and resource group. */
export interface AzureTarget extends NameTarget {
  readonly subscriptionId: string
  readonly location: string
  /** The resource group; by default `xfn-<app>-<stage>`, which xfn makes and tags. */
  readonly resourceGroup: string
}

/**
 * A resource id as the SDK's by-id and at-scope operations take it: their paths add the leading
 * slash themselves, so the id goes without its own.
 */
export function byId(id: string): string {
  return id.replace(/^\//, '')
}

/** The xfn commands that deploy and destroy an app's stage on Azure, as error messages name them. */
export const deployCommand = (stage: string) => xfnCommand('deploy', '--cloud', 'azure', '--stage', stage)
export const destroyCommand = (stage: string) =>
  xfnCommand('destroy', '--cloud', 'azure', '--stage', stage, '--yes')

/** The tag that records the SHA-256 of the package last published to the Function App. */
export const packageTag = 'xfn:package'

/** Physical names and resource ids on Azure. Everything is derived, so no state file is kept. */
export function azureLayout(target: AzureTarget) {
  const names = azureNames(target, target)
  const group = `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroup}`
  const prefix = `${target.app}-${target.stage}`
  const layout = {
    ...names,
    resourceGroup: target.resourceGroup,
    groupId: group,
    workspace: `${prefix}-logs`,
    insights: `${prefix}-insights`,
    plan: `${prefix}-plan`,
    /** The blob container Flex Consumption deploys from, and Consumption's packages live in. */
    deploymentContainer: 'xfn-deployment',
    /** The Event Grid system topic of the storage account, through which Flex hears of new blobs. */
    blobTopic: `${prefix}-blobs`,
    /** The event subscription that calls one blob or topic function's webhook. */
    eventSubscription: (fn: string) => `xfn-${fn.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`,
    topicId: (name: string) => `${group}/providers/Microsoft.EventGrid/topics/${name}`,
    keyVaultId: `${group}/providers/Microsoft.KeyVault/vaults/${names.keyVault}`,
    /** Where a soft-deleted vault of the app's name would be, which a deploy recovers. */
    deletedKeyVaultId: `/subscriptions/${target.subscriptionId}/providers/Microsoft.KeyVault/locations/${target.location}/deletedVaults/${names.keyVault}`,
    storageId: `${group}/providers/Microsoft.Storage/storageAccounts/${names.storageAccount}`,
    insightsId: `${group}/providers/Microsoft.Insights/components/${prefix}-insights`,
    workspaceId: `${group}/providers/Microsoft.OperationalInsights/workspaces/${prefix}-logs`,
    planId: `${group}/providers/Microsoft.Web/serverfarms/${prefix}-plan`,
    siteId: `${group}/providers/Microsoft.Web/sites/${names.functionApp}`,
  }
  return layout
}

export type AzureLayout = ReturnType<typeof azureLayout>
