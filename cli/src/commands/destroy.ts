import { notYetAvailable } from '../not-yet.js'

export default notYetAvailable(
  'destroy',
  'Remove everything xfn deployed for the app.',
  6,
  '<%= config.bin %> destroy --cloud local',
)
