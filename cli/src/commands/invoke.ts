import { notYetAvailable } from '../not-yet.js'

export default notYetAvailable(
  'invoke',
  'Invoke one function of a deployed app.',
  6,
  `<%= config.bin %> invoke createOrder --data '{"sku":"a"}'`,
)
