import { createTestHarness } from '@xfn/core/testing'
import { expect, it } from 'vitest'
import '../src/index.js'

it('greets by name', async () => {
  const response = await createTestHarness().fetch('/hello/world')
  expect(response.status).toBe(200)
  expect(await response.json()).toEqual({ hello: 'world' })
})
