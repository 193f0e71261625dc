import { localDriver } from './drivers/local.js'
import { conformance } from './run.js'

conformance(localDriver())
