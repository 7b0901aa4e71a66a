import { expect, test } from 'bun:test'
import { mixParts, unknownVoicePart } from './voice-mix.ts'

test("Kokoro's mixes are split into their voices, weights or not; anything else is no mix", () => {
  expect(mixParts('af_bella(2)+af_sky(1)')).toEqual(['af_bella', 'af_sky'])
  expect(mixParts('af_bella + af_sky(0.5)')).toEqual(['af_bella', 'af_sky'])
  expect(mixParts('af_bella')).toBeUndefined()
  expect(mixParts('af_bella(x)+af_sky')).toBeUndefined()
  expect(mixParts('+af_sky')).toBeUndefined()
})

test('the first part that is no voice is named, with the engine prefix applied to each part', () => {
  const known = new Set(['kokoro:af_bella', 'kokoro:af_sky'])
  const resolve = (id: string) => (known.has(id) ? id : undefined)
  expect(unknownVoicePart('kokoro:af_bella(2)+af_nobody(1)', resolve)).toBe('af_nobody')
  expect(unknownVoicePart('kokoro:af_bella+af_sky', resolve)).toBeUndefined()
  expect(unknownVoicePart('plain', resolve)).toBeUndefined()
})
