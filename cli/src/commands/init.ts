import { notYetAvailable } from '../not-yet.js'

export default notYetAvailable(
  'init',
  'Create a new app from a template.',
  11,
  '<%= config.bin %> init my-app',
)
