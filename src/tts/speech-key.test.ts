import { expect, test } from 'bun:test'
import { parseOpenAIFormat } from '../audio/formats.ts'
import { cacheKey } from '../cache/cache.ts'
import { resolveVoice } from './engines/espeak/espeak-voices.ts'
import { formatId } from './format-id.ts'
import { speechKey, type KeyedSpeech } from './speech-key.ts'

const format = parseOpenAIFormat('mp3')
if (!format.ok) throw new Error('mp3 must be supported')
const voice = resolveVoice('alloy')!
const speech: KeyedSpeech = { text: 'Hello there.', voice, format: format.spec, speed: 1, model: 'tts-1', honoured: {} }
const espeak = { name: 'espeak-native' }
const upstream = { name: 'router', cacheScope: () => 'kokoro|openai|http://kokoro/v1|' }

test('a request without parameters keys exactly as before parameters existed (a deploy keeps its cache)', () => {
  const before = cacheKey({ engine: 'espeak-native', model: 'tts-1', voice: voice.id, format: formatId(format.spec), speed: 1, text: 'Hello there.' })
  expect(speechKey(espeak, speech)).toBe(before)
  const instructed = cacheKey({ engine: upstream.cacheScope(), model: 'tts-1', instructions: 'Calm.', voice: voice.id, format: formatId(format.spec), speed: 1, text: 'Hello there.' })
  expect(speechKey(upstream, { ...speech, honoured: { instructions: 'Calm.' } })).toBe(instructed)
})

test('each honoured parameter, and the text before an utterance, make another key', () => {
  const keys = new Set([
    speechKey(upstream, speech),
    speechKey(upstream, { ...speech, honoured: { stability: 0.2 } }),
    speechKey(upstream, { ...speech, honoured: { stability: 0.3 } }),
    speechKey(upstream, { ...speech, honoured: { stability: 0.3, seed: 1 } }),
    speechKey(upstream, { ...speech, context: 'Good morning. ' }),
  ])
  expect(keys.size).toBe(5)
  expect(speechKey(upstream, { ...speech, honoured: { apply_text_normalization: 'auto' } })).toBe(speechKey(upstream, speech))
})
