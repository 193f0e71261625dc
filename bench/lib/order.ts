/** The order both HTTP benchmarks post: a ~200-byte JSON body, and what the handlers compute from it. */
export type Order = { quantity: number; unitPrice: number }

export const total = (order: Order) => order.quantity * order.unitPrice

export const orderBody = JSON.stringify({
  name: 'Darjeeling first flush',
  sku: 'TEA-0042',
  quantity: 3,
  unitPrice: 12.5,
  currency: 'EUR',
  tags: ['black', 'india', 'spring'],
  note: 'Leave the parcel at the door, please.',
})
