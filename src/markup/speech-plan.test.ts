import { describe, expect, test } from 'bun:test'
import { ESPEAK_READING } from '../tts/engines/espeak/espeak-engine.ts'
import { renderText } from './render-text.ts'
import { planSpeech, speechOf, type SpeechPlanInput } from './speech-plan.ts'
import { MarkupError } from './markup-error.ts'

const plan = (text: string, more: Partial<SpeechPlanInput> = {}) =>
  planSpeech({ text, markup: 'none', normalization: 'auto', reading: ESPEAK_READING, language: 'en-US', ...more })

describe('planSpeech', () => {
  test('text nothing touches keys and speaks exactly as before', () => {
    expect(plan('Hello there, how are you?')).toEqual({ ignored: [] })
  })

  test('clean-up alone is keyed, and the document waits for a cache miss', () => {
    const p = plan('It costs $3.')
    expect(p.key).toBe('none|m,w|en-US||It costs $3.')
    expect(typeof p.speech).toBe('function')
    expect(speechOf(p)?.parts.length).toBeGreaterThan(0)
  })

  test('what the mode leaves alone is not keyed: numbers for an engine that reads them, anything with off', () => {
    const reads = { normalizesText: true, render: (doc: Parameters<typeof renderText>[0]) => renderText(doc) }
    expect(plan('It costs $3.', { reading: reads }).key).toBeUndefined()
    expect(plan('**It** costs $3.', { reading: reads }).key).toBe('none|m|en-US||**It** costs $3.')
    expect(plan('**It** costs $3.', { normalization: 'off' }).key).toBeUndefined()
  })

  test('markup is parsed at once: errors before anything starts, what the engine ignores known', () => {
    expect(() => plan('<speak>oops', { markup: 'ssml' })).toThrow(MarkupError)
    const text = plan('<speak><phoneme ph="wɜːd">word</phoneme></speak>', { markup: 'ssml', reading: { normalizesText: true, render: (d) => renderText(d) } })
    expect(text.ignored).toEqual(['phoneme'])
    expect(typeof text.speech).toBe('object')
  })
})
