import { azureDriver } from './drivers/azure.js'
import { conformance } from './run.js'

conformance(azureDriver())
