import { notYetAvailable } from '../not-yet.js'

export default notYetAvailable(
  'build',
  'Bundle and package the app for a cloud.',
  5,
  '<%= config.bin %> build --cloud aws',
)
