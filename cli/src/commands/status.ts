import { notYetAvailable } from '../not-yet.js'

export default notYetAvailable(
  'status',
  'Show what is deployed and where.',
  9,
  '<%= config.bin %> status --cloud local',
)
