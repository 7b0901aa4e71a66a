import { expect, test } from 'bun:test'
import { elevenlabsSupport, httpBody, httpQuery, linkOpening, linkQuery } from './elevenlabs-wire.ts'

const params = {
  stability: 0.4,
  use_speaker_boost: false,
  language_code: 'de',
  seed: 0,
  previous_request_ids: ['g1'],
  pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: 'd' }],
  chunk_length_schedule: [60],
  optimize_streaming_latency: 3,
  enable_ssml_parsing: true,
}

// Pronunciation dictionaries are this server's, applied before the text leaves: never sent on.
test('the HTTP body and query carry every parameter under its ElevenLabs name, speed in voice_settings', () => {
  expect(httpBody('Hi.', 'eleven_v3', { speed: 1.2, params })).toEqual({
    text: 'Hi.',
    model_id: 'eleven_v3',
    language_code: 'de',
    seed: 0,
    previous_request_ids: ['g1'],
    voice_settings: { stability: 0.4, use_speaker_boost: false, speed: 1.2 },
  })
  expect(httpBody('Hi.', 'm', { speed: 1 })).toEqual({ text: 'Hi.', model_id: 'm' })
  expect(httpQuery('pcm_24000', { params, retention: 'none' })).toBe('output_format=pcm_24000&optimize_streaming_latency=3&enable_logging=false')
})

test("a stream-input link's query and opening message carry the session's settings", () => {
  expect(Object.fromEntries(new URLSearchParams(linkQuery('m', 'pcm_24000', { params, retention: 'none' })))).toEqual({
    model_id: 'm',
    output_format: 'pcm_24000',
    language_code: 'de',
    seed: '0',
    enable_ssml_parsing: 'true',
    enable_logging: 'false',
  })
  expect(linkOpening({ speed: 0.9, params })).toEqual({
    text: ' ',
    voice_settings: { stability: 0.4, use_speaker_boost: false, speed: 0.9 },
    generation_config: { chunk_length_schedule: [60] },
  })
  // The text a link is sent carries rendered <break> and <phoneme>: SSML parsing is always on.
  expect(new URLSearchParams(linkQuery('m', 'pcm_24000', {})).get('enable_ssml_parsing')).toBe('true')
})

test('everything but instructions is honoured; over links the text before an utterance keys it', () => {
  expect(elevenlabsSupport(true).honours.has('instructions')).toBe(false)
  expect(elevenlabsSupport(true).honours.has('stability')).toBe(true)
  expect(elevenlabsSupport(true).conditionsOnContext).toBe(true)
  expect(elevenlabsSupport(false).conditionsOnContext).toBeUndefined()
})
