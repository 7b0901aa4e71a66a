import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { openaiSpeechSchema, wellFormed } from './openai-speech-body.ts'

const text = (max: number) => fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 3 }), weight: 4 }, { arbitrary: fc.constant(''), weight: 1 }, { arbitrary: fc.string({ minLength: max - 1, maxLength: max + 1 }), weight: 1 })
const anyValue = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 })))
const field = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof({ arbitrary: arb, weight: 12 }, { arbitrary: anyValue, weight: 1 }), { nil: undefined, freq: 6 })
const extraName = fc.oneof(fc.constantFrom('lang_code', 'constructor', 'toString', 'hasOwnProperty', '__proto__', 'seed', 'x-y'), fc.string({ minLength: 1, maxLength: 8 }))

/** Bodies as JSON.parse makes them (so `__proto__` is an own field), mostly near the schema's bounds. */
const body = fc
  .record({
    model: field(text(200)),
    input: field(fc.string({ maxLength: 20 })),
    voice: field(fc.oneof({ arbitrary: text(200), weight: 4 }, { arbitrary: fc.record({ id: text(200) }), weight: 1 })),
    response_format: field(text(50)),
    speed: field(fc.oneof(fc.double({ min: 0.2, max: 4.1, noNaN: true }), fc.constantFrom(0.25, 4, 1, -0))),
    instructions: field(text(4096)),
    stream_format: field(fc.constantFrom('audio', 'sse', 'AUDIO', '')),
    extra: fc.dictionary(extraName, anyValue, { maxKeys: 3 }),
  })
  .map(({ extra, ...known }) => {
    const fields = { ...Object.fromEntries(Object.entries(known).filter(([, v]) => v !== undefined)) }
    const json = JSON.stringify(fields).slice(0, -1) + Object.entries(extra).map(([k, v]) => `${Object.keys(fields).length ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(v)}`).join('') + '}'
    return JSON.parse(json.startsWith('{,') ? '{' + json.slice(2) : json) as unknown
  })

describe('the OpenAI speech body', () => {
  test('a well-formed body is read exactly as the schema reads it: same fields, same values, same order', () => {
    fc.assert(
      fc.property(body, (raw) => {
        const fast = wellFormed(raw)
        const parsed = openaiSpeechSchema.safeParse(raw)
        const quick = parsed.success && typeof parsed.data.voice === 'string' && !Object.hasOwn(raw as object, '__proto__')
        // Every body zod accepts with a string voice takes the quick path, and only those.
        expect(fast !== undefined).toBe(quick)
        if (fast === undefined) return
        expect(parsed.success).toBe(true)
        expect(fast).toEqual(parsed.data!)
        expect(Object.keys(fast)).toEqual(Object.keys(parsed.data!))
        expect(Object.getPrototypeOf(fast)).toBe(Object.getPrototypeOf(parsed.data))
      }),
      { numRuns: 4000 },
    )
  })

  test('the common bodies take the quick path (defaults filled in, extra fields kept)', () => {
    const raw = JSON.parse('{"model":"tts-1","voice":"alloy","input":"Hello.","lang_code":"a"}') as unknown
    expect(wellFormed(raw)).toEqual({ model: 'tts-1', input: 'Hello.', voice: 'alloy', response_format: 'mp3', speed: 1, stream_format: 'audio', lang_code: 'a' })
    expect(wellFormed({ model: 'tts-1', voice: 'alloy', input: 'Hi.', response_format: 'wav', speed: 1.5, instructions: 'Calm.', stream_format: 'sse' })).toBeDefined()
  })

  test('anything the schema refuses, or a body it is not sure of, is left to zod', () => {
    expect(wellFormed({ model: '', voice: 'alloy', input: 'x' })).toBeUndefined()
    expect(wellFormed({ model: 'tts-1', voice: { id: 'alloy' }, input: 'x' })).toBeUndefined()
    expect(wellFormed({ model: 'tts-1', voice: 'alloy', input: 'x', speed: 5 })).toBeUndefined()
    expect(wellFormed({ model: 'tts-1', voice: 'alloy', input: 'x', stream_format: 'AUDIO' })).toBeUndefined()
    expect(wellFormed(JSON.parse('{"model":"tts-1","voice":"alloy","input":"x","__proto__":{"a":1}}'))).toBeUndefined()
    expect(wellFormed([1])).toBeUndefined()
    expect(wellFormed(null)).toBeUndefined()
  })
})
