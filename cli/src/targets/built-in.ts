import { awsTarget } from '@xfn/aws/target'
import { azureTarget } from '@xfn/azure/target'
import type { Target } from '@xfn/core'
import { knativeTarget } from '@xfn/knative/target'
import { localTarget } from '@xfn/local/target'

/**
 * The targets the command line ships with, the first being the default of `--cloud`. Each loads
 * its cloud's SDK only when called, so listing them costs nothing.
 */
export const builtInTargets: readonly Target[] = [localTarget, awsTarget, azureTarget, knativeTarget]
