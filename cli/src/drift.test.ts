import { expect, it } from 'vitest'
import { driftOf } from './drift.js'

const build = { sha256: 'a'.repeat(64), builtAt: new Date('2026-11-22T10:00:00Z') }

it('says whether the deployed code is the last local build, for some or all functions', () => {
  expect(driftOf([build.sha256, build.sha256], build, 'aws')).toEqual({
    drift: 'none',
    line: 'Code: the last local build (2026-11-22T10:00:00.000Z), sha256 aaaaaaaaaaaa.',
  })
  expect(driftOf([build.sha256, 'b'.repeat(64)], build, 'aws')).toEqual({
    drift: 'differs',
    line: 'Code: 1 of 2 functions on the last local build (2026-11-22T10:00:00.000Z, sha256 aaaaaaaaaaaa); xfn deploy --cloud aws brings it up to date.',
  })
  expect(driftOf([undefined], build, 'azure').line).toMatch(/^Code: not the last local build/)
  expect(driftOf(['x'], undefined, 'azure')).toEqual({
    drift: 'unknown',
    line: 'No local build to compare with; xfn build --cloud azure makes one.',
  })
})
