import { describe, expect, it } from 'vitest'
import { cloudError } from './errors.js'

describe('the hint of an AWS error the hints do not name', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { name: 'ECONNREFUSED' })

  it('says a deploy or destroy resumes, for a step that changes something', () => {
    expect(cloudError('create queue shop-dev-orders', refused, { changing: true }).message).toBe(
      'create queue shop-dev-orders failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:443. Run the command again; it resumes where it stopped.',
    )
  })

  it('does not speak of a deploy for a read (status, invoke, logs)', () => {
    const message = cloudError('Invoking shop-dev-hello', refused).message
    expect(message).toBe(
      'Invoking shop-dev-hello failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:443. Nothing was changed; check the network, the region and the credentials, then run the command again.',
    )
    expect(message).not.toContain('deploy')
  })
})
