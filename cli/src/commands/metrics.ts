import { notYetAvailable } from '../not-yet.js'

export default notYetAvailable(
  'metrics',
  'Show invocations, errors and latency of every function.',
  9,
  '<%= config.bin %> metrics --cloud all',
)
