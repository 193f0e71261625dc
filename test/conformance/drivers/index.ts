import { awsDriver } from './aws.js'
import { azureDriver } from './azure.js'
import type { Driver } from './driver.js'
import { knativeDriver } from './knative.js'
import { localDriver } from './local.js'

/** The conformance driver of each built-in target, by the target's name. */
export const drivers: Readonly<Record<string, () => Driver>> = {
  local: localDriver,
  aws: awsDriver,
  azure: azureDriver,
  knative: knativeDriver,
}
