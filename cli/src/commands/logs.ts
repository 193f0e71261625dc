import { notYetAvailable } from '../not-yet.js'

export default notYetAvailable(
  'logs',
  'Tail and search the logs of every function, across clouds.',
  9,
  '<%= config.bin %> logs --cloud all --follow',
)
