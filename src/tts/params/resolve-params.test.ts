import { describe, expect, test } from 'bun:test'
import { canonicalParams, resolveParams } from './resolve-params.ts'
import { supports } from './voice-params.ts'

describe('resolveParams', () => {
  test('what the engine honours goes to it; what it takes as moot is neither sent nor reported; the rest is named', () => {
    const espeak = supports(['language_code'], { moot: ['seed'] })
    expect(resolveParams({ language_code: 'de', seed: 3, stability: 0.2, style: 0.1, instructions: 'Calm.' }, espeak)).toEqual({
      honoured: { language_code: 'de' },
      ignored: ['stability', 'style', 'instructions'],
    })
  })

  test('extra body fields pass only when the engine lists them; others are named by their field name', () => {
    const kokoro = supports(['instructions'], { passThrough: ['lang_code'] })
    expect(resolveParams({ instructions: 'Slow.', extra: { lang_code: 'a', secret: 1 } }, kokoro)).toEqual({
      honoured: { instructions: 'Slow.', extra: { lang_code: 'a' } },
      ignored: ['secret'],
    })
  })

  test('stitching ids the engine cannot know are dropped, not reported; none left, none sent', () => {
    const eleven = { ...supports(['previous_request_ids', 'next_request_ids']), knows: (id: string) => id.startsWith('gen-') }
    expect(resolveParams({ previous_request_ids: ['gen-1', 'req-2'], next_request_ids: ['req-3'] }, eleven)).toEqual({
      honoured: { previous_request_ids: ['gen-1'] },
      ignored: [],
    })
  })

  test('the chunk length schedule is honoured by every session, whatever the engine', () => {
    expect(resolveParams({ chunk_length_schedule: [50] }, supports([]))).toEqual({ honoured: { chunk_length_schedule: [50] }, ignored: [] })
  })
})

describe('canonicalParams', () => {
  test('nothing honoured keys nothing, so keys stay as they were before parameters', () => {
    expect(canonicalParams({})).toBeUndefined()
    expect(canonicalParams({ chunk_length_schedule: [50], instructions: 'kept apart' })).toBeUndefined()
  })

  test("a parameter sent at ElevenLabs' default keys like one not sent; language codes have one spelling", () => {
    expect(canonicalParams({ apply_text_normalization: 'auto', apply_language_text_normalization: false, enable_ssml_parsing: false })).toBeUndefined()
    expect(canonicalParams({ language_code: 'DE_at' })).toEqual({ language_code: 'de-at' })
    expect(canonicalParams({ stability: 0.5, seed: 0 })).toEqual({ stability: 0.5, seed: 0 })
  })
})
