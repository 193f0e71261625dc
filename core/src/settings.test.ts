import { describe, expect, it } from 'vitest'
import { checkSettings, environmentBytes, environmentLimitBytes, settingsOf } from './settings.js'

describe("an app's settings", () => {
  it("merges the stage's over the app's, sorted by name", () => {
    const config = { env: { B: '2', A: '1' }, stages: { prod: { env: { B: '3', C: '4' } } } }
    expect(settingsOf(config, 'prod')).toEqual({ A: '1', B: '3', C: '4' })
    expect(Object.keys(settingsOf(config, 'prod'))).toEqual(['A', 'B', 'C'])
    expect(settingsOf(config, 'dev')).toEqual({ A: '1', B: '2' })
    expect(settingsOf({}, 'dev')).toEqual({})
  })

  it('counts the environment as Lambda does, the bytes of its JSON, up to exactly the limit', () => {
    expect(environmentBytes({ A: 'é' })).toBe(10)
    const fits = { A: 'x'.repeat(environmentLimitBytes - 8) }
    expect(environmentBytes(fits)).toBe(environmentLimitBytes)
    expect(checkSettings(fits, 'env')).toBeUndefined()
    expect(checkSettings({ A: 'x'.repeat(environmentLimitBytes - 7) }, 'env')).toMatch(
      /^env takes 4097 bytes/,
    )
  })

  it('takes names other tools use, which no cloud reserves', () => {
    expect(
      checkSettings({ DATABASE_URL: 'x', _private: 'y', TZ_NAME: 'z', Path2: '' }, 'env'),
    ).toBeUndefined()
  })
})
