import { describe, expect, test } from 'bun:test'
import { cacheKey, type CacheKeyFields } from './cache-key.ts'

const base: CacheKeyFields = { engine: 'espeak', model: 'tts-1', voice: 'en-us-f1', format: 'mp3', speed: 1, text: 'Hello there.' }

describe('cacheKey', () => {
  test('is 64 hex chars and deterministic', () => {
    expect(cacheKey(base)).toMatch(/^[0-9a-f]{64}$/)
    expect(cacheKey({ ...base })).toBe(cacheKey(base))
  })

  test('differs when any single field changes', () => {
    const changes: Partial<CacheKeyFields>[] = [
      { engine: 'espeak-native' },
      { model: 'tts-1-hd' },
      { voice: 'en-us-m1' },
      { format: 'wav' },
      { speed: 1.25 },
      { text: 'Hello there!' },
      { text: 'Hello there. ' },
      { language: 'en-GB' },
    ]
    const keys = new Set([cacheKey(base), ...changes.map((change) => cacheKey({ ...base, ...change } as CacheKeyFields))])
    expect(keys.size).toBe(changes.length + 1)
  })

  test('keys what it keyed before: a deploy keeps its cache (pinned value, computed by 89209da)', () => {
    const fields = { voice: 'en-us-f1', text: 'Hello there.', speed: 1.25, model: 'tts-1', format: 'mp3_24000_64', engine: 'espeak', context: 'before', instructions: 'calm' }
    const params = { stability: 0.5, Zeta: 1, alpha: [1, 'b'], éclair: true, extra: { lang_code: 'a', b: null } }
    expect(cacheKey({ ...fields, params })).toBe('4653e9611f18664dff460c39874b4932675ec90da5e01d4ff4d87b1110f07ed3')
  })

  test('is stable across key order', () => {
    const reversed = Object.fromEntries(Object.entries(base).reverse()) as CacheKeyFields
    expect(cacheKey(reversed)).toBe(cacheKey(base))
    expect(cacheKey({ ...base, settings: { a: 1, b: 2 } })).toBe(cacheKey({ ...base, settings: { b: 2, a: 1 } }))
  })

  test('field boundaries cannot be forged by content', () => {
    expect(cacheKey({ ...base, voice: 'ab', text: 'c' })).not.toBe(cacheKey({ ...base, voice: 'a', text: 'bc' }))
    expect(cacheKey({ ...base, model: 'x","voice":"y' })).not.toBe(cacheKey({ ...base, model: 'x', voice: 'y' }))
    expect(cacheKey({ ...base, extra: { a: 1 } })).not.toBe(cacheKey({ ...base, extra: [['a', 1]] }))
  })

  test('types are distinct: 1 is not "1"', () => {
    expect(cacheKey({ ...base, sampleRate: 1 })).not.toBe(cacheKey({ ...base, sampleRate: '1' }))
  })

  test('normalises equivalent spellings: NFC text, -0, undefined fields', () => {
    expect(cacheKey({ ...base, text: 'caf\u00e9' })).toBe(cacheKey({ ...base, text: 'cafe\u0301' }))
    expect(cacheKey({ ...base, speed: -0, text: 'x' })).toBe(cacheKey({ ...base, speed: 0, text: 'x' }))
    expect(cacheKey({ ...base, instructions: undefined })).toBe(cacheKey(base))
  })

  test('rejects non-finite numbers instead of letting JSON turn them into null', () => {
    expect(() => cacheKey({ ...base, speed: Number.NaN })).toThrow(TypeError)
    expect(() => cacheKey({ ...base, speed: Number.POSITIVE_INFINITY })).toThrow(TypeError)
  })
})
