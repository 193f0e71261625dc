import { knativeDriver } from './drivers/knative.js'
import { conformance } from './run.js'

conformance(knativeDriver())
