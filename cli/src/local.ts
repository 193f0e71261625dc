import { relative } from 'node:path'
import type { CloudStatus } from '@xfn/local'

/** What a user needs after a deploy: the endpoints, what triggers what, and the key. */
export function describeDeployment(status: CloudStatus, projectDir: string, apiKey?: string): string {
  const lines = [`  ${status.url}`]
  for (const fn of status.functions) {
    if (fn.endpoint) {
      lines.push(
        `  ${(fn.methods ?? []).join(',').padEnd(8)} ${fn.endpoint}${fn.auth === 'key' ? '  (key)' : ''}  → ${fn.name}`,
      )
    } else if (fn.queue) lines.push(`  queue   ${fn.queue}  → ${fn.name}`)
    else if (fn.bucket)
      lines.push(`  bucket  ${fn.bucket} (folder ${relative(projectDir, fn.folder ?? '')})  → ${fn.name}`)
    else lines.push(`  ${fn.trigger.padEnd(8)}→ ${fn.name}`)
  }
  if (apiKey && status.functions.some((fn) => fn.auth === 'key'))
    lines.push(`API key (send it as x-api-key): ${apiKey}`)
  return lines.join('\n')
}
