import type { TargetChangeRecord, TargetHost } from './target.js'

/**
 * Prints the changes made outside xfn (since the live release, as `xfn status` asks), which a
 * deploy puts back where xfn manages them, and returns them; an audit trail that cannot be read
 * is said, not fatal.
 */
export async function reportChangesByHand(
  host: Pick<TargetHost, 'log'>,
  read: () => Promise<readonly TargetChangeRecord[]>,
): Promise<TargetChangeRecord[]> {
  try {
    const byHand = (await read()).filter((c) => !c.byXfn && !c.failed)
    if (byHand.length > 0)
      host.log('Changed outside xfn since the live release (a deploy puts back what xfn manages):')
    for (const change of byHand)
      host.log(`  ${change.at}  ${change.action} ${change.resource} by ${change.by ?? 'unknown'}`)
    return byHand
  } catch (error) {
    host.log(
      `Could not read the audit trail for changes made outside xfn: ${error instanceof Error ? error.message : String(error)}`,
    )
    return []
  }
}
