/**
 * Property tests for cache keys: two requests share a key exactly when they would
 * produce the same audio. A collision serves one request another's speech; a spurious
 * difference only costs a synthesis, but still shows the encoding is not canonical.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { cacheKey, type CacheKeyFields, type CacheKeyValue } from './cache-key.ts'

// A deliberately small vocabulary, so that independently drawn records are often equal
// or nearly equal (a uniform generator almost never produces the near misses that
// collide), plus the spellings the key must treat as equal: composed and decomposed
// text, 0 and -0. Lone surrogates sit beside U+FFFD, which a lossy UTF-8 step would
// turn them into.
const word = fc.oneof(
  fc.constantFrom('', 'a', 'b', 'ab', '1', 'null', 'true', 'caf\u00e9', 'cafe\u0301', '\ud800', '\udc00', '\ufffd', '"', '","', '\\', '\u0000'),
  fc.string({ unit: 'binary', maxLength: 4 }),
)
const number = fc.oneof(fc.constantFrom(0, -0, 1, 1.5, 0.1 + 0.2, 0.3, 2 ** 53, -1), fc.double({ noNaN: true, noDefaultInfinity: true }))
const fieldName = fc.constantFrom('a', 'b', 'language', 'sampleRate', 'settings', 'o', '0', 'é', 'e\u0301')

const { value } = fc.letrec<{ value: CacheKeyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    word,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fieldName, fc.option(tie('value'), { nil: undefined }), { maxKeys: 3, noNullPrototype: true }),
  ),
}))

const fields: fc.Arbitrary<CacheKeyFields> = fc
  .record({
    engine: fc.constantFrom('espeak', 'espeak-native'),
    model: fc.constantFrom('tts-1', 'tts-1-hd'),
    voice: fc.constantFrom('en-us-f1', 'en-us-m1', 'a', 'ab'),
    format: fc.constantFrom('mp3', 'wav', 'pcm_16000'),
    speed: fc.constantFrom(0.25, 1, 1.5, -0, 0),
    text: word,
    extra: fc.dictionary(fieldName, fc.option(value, { nil: undefined }), { maxKeys: 3, noNullPrototype: true }),
  })
  .map(({ extra, ...base }) => ({ ...extra, ...base }))

/**
 * When two records mean the same request, stated independently of the encoding: strings
 * equal after NFC, numbers by value (0 equals -0), absent and undefined fields alike,
 * undefined and null array items alike.
 */
function sameRequest(a: CacheKeyValue, b: CacheKeyValue): boolean {
  if (typeof a === 'string' || typeof b === 'string') return typeof a === typeof b && (a as string).normalize('NFC') === (b as string).normalize('NFC')
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    // An undefined array item encodes as null, as JSON does (cacheKey's explicit choice).
    return a.every((item, i) => sameRequest(item ?? null, b[i] ?? null))
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const names = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined).map(([k]) => k).sort()
    const na = names(a)
    const nb = names(b)
    if (na.length !== nb.length || na.some((k, i) => k !== nb[i])) return false
    return na.every((k) => sameRequest((a as Record<string, CacheKeyValue>)[k], (b as Record<string, CacheKeyValue>)[k]))
  }
  return a === b // numbers (0 === -0), booleans, null, undefined
}

/** The same record with its keys, at every depth, in another order; strings decomposed. */
function respelled(v: CacheKeyValue, order: number): CacheKeyValue {
  if (typeof v === 'string') return v.normalize('NFD')
  if (typeof v === 'number') return v === 0 ? -0 : v
  if (Array.isArray(v)) return v.map((item) => respelled(item, order))
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v)
    const rotated = entries.map((_, i) => entries[(i + order) % entries.length]!).reverse()
    return Object.fromEntries(rotated.map(([k, item]) => [k, respelled(item, order)]))
  }
  return v
}

/**
 * `v` with the value at a pseudo-random depth replaced: `path` picks a child at each level
 * (an object field, possibly a new one, or an array item) until it runs out.
 */
function edited(v: CacheKeyValue, path: readonly number[], replacement: CacheKeyValue, name: string): CacheKeyValue {
  const [step, ...rest] = path
  if (step === undefined) return replacement
  if (Array.isArray(v) && v.length > 0) return v.map((item, i) => (i === step % v.length ? edited(item, rest, replacement, name) : item))
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v)
    const key = step % (keys.length + 1) === keys.length ? name : keys[step % (keys.length + 1)]!
    return { ...v, [key]: edited((v as Record<string, CacheKeyValue>)[key], rest, replacement, name) }
  }
  return replacement
}

/** A record and a near copy: up to three edits anywhere, some of which change nothing that matters. */
const nearPair = fc
  .tuple(
    fields,
    fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.option(value, { nil: undefined, freq: 4 }), fieldName), { maxLength: 3 }),
    fc.nat(10),
  )
  .map(([a, edits, order]) => {
    let b: CacheKeyValue = a
    for (const [path, replacement, name] of edits) b = edited(b, path, replacement, name)
    // Required fields stay present, as the type demands.
    const required = { engine: a.engine, model: a.model, voice: a.voice, format: a.format, speed: a.speed, text: a.text }
    return [a, { ...required, ...(respelled(b, order) as object) } as CacheKeyFields] as const
  })

describe('cacheKey, any records', () => {
  test('two records get the same key exactly when they mean the same request', () => {
    fc.assert(
      fc.property(fc.oneof(nearPair, fc.tuple(fields, fields)), ([a, b]) => {
        expect(cacheKey(a) === cacheKey(b)).toBe(sameRequest(a, b))
      }),
      { numRuns: 20_000 },
    )
  })

  test('a one-field change always changes the key', () => {
    fc.assert(
      fc.property(fields, fieldName, value, (a, name, replacement) => {
        const b = { ...a, [name]: replacement } as CacheKeyFields
        fc.pre(!sameRequest(a, b))
        expect(cacheKey(b)).not.toBe(cacheKey(a))
      }),
      { numRuns: 5_000 },
    )
  })

  test('equal records give equal keys whatever the key order, composition or sign of zero', () => {
    fc.assert(
      fc.property(fields, fc.nat(10), (a, order) => {
        const b = respelled(a, order) as CacheKeyFields
        expect(cacheKey(b)).toBe(cacheKey(a))
      }),
      { numRuns: 5_000 },
    )
  })

  test('content cannot forge a field boundary: moving characters between fields changes the key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: 5 }), (voice, text, shift) => {
        fc.pre(voice.length >= shift)
        const base = { engine: 'espeak', model: 'tts-1', format: 'mp3', speed: 1 }
        const moved = { ...base, voice: voice.slice(0, -shift), text: voice.slice(-shift) + text }
        expect(cacheKey({ ...base, voice, text })).not.toBe(cacheKey(moved))
      }),
      { numRuns: 2_000 },
    )
  })
})
