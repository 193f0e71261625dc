import { awsDriver } from './drivers/aws.js'
import { conformance } from './run.js'

conformance(awsDriver())
