import { notYetAvailable } from '../not-yet.js'

export default notYetAvailable(
  'dev',
  'Run the app on the local cloud in the foreground, reloading on change.',
  6,
  '<%= config.bin %> dev',
)
