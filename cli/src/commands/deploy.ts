import { notYetAvailable } from '../not-yet.js'

export default notYetAvailable(
  'deploy',
  'Deploy the app to a cloud.',
  6,
  '<%= config.bin %> deploy --cloud local',
)
