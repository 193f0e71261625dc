import type { Manifest } from '@xfn/core'
import { type AwsTarget, awsLayout } from '../deploy/target.js'
import type { LogSource } from './logs.js'
import type { MetricsSource } from './metrics.js'

export { followLogs, type LogSource, liveTailGroups, parseLambdaLine, readLogHistory } from './logs.js'
export { type MetricsSource, readAwsMetrics } from './metrics.js'

/** The log group and metric dimensions of each function of an app on AWS, chosen by name (all when none). */
export function awsSources(
  target: AwsTarget,
  manifest: Manifest,
  only: readonly string[] = [],
): (LogSource & MetricsSource)[] {
  const layout = awsLayout(target)
  return manifest.functions
    .filter((fn) => only.length === 0 || only.includes(fn.name))
    .map((fn) => {
      const name = layout.function(fn.name)
      return {
        function: fn.name,
        trigger: fn.trigger.type,
        name,
        group: `/aws/lambda/${name}`,
        arn: layout.logGroupArn(name),
      }
    })
}
