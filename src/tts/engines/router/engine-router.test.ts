import { afterAll, describe, expect, test } from 'bun:test'
import { trace } from '@opentelemetry/api'
import { buildRouter } from '../build-router.ts'
import { IMPLICIT_ENGINES, parseEnginesFile } from '../engines-file.ts'
import { resolveVoice, VOICES } from '../espeak/espeak-voices.ts'
import { closestVoice } from './closest-voice.ts'

// Nothing listens on port 9: the upstream's voice list never loads, so any voice id is its to judge.
const router = buildRouter(
  parseEnginesFile(
    `engines:
  kokoro: { kind: openai, url: http://127.0.0.1:9/v1, model: kokoro }
  kokoro2: { kind: openai, url: http://127.0.0.1:9/v1, model: kokoro-v2 }
  local: { kind: espeak, variant: espeak-wasm }
default: kokoro
fallback: [local]
`,
    {},
  ),
  { tracer: trace.getTracer('test'), pool: { workers: 1, maxQueue: 1 }, espeakVariant: 'espeak-wasm' },
)
afterAll(() => router.close())

test('voice ids name their engine; unprefixed ids and OpenAI names go to the default engine', () => {
  expect(router.resolveVoice('kokoro:af_bella')).toMatchObject({ id: 'kokoro:af_bella', engineVoice: 'af_bella', language: 'en-US', gender: 'female' })
  expect(router.resolveVoice('bm_george')).toMatchObject({ id: 'kokoro:bm_george', language: 'en-GB', gender: 'male' })
  expect(router.resolveVoice(' Alloy ')).toMatchObject({ id: 'kokoro:alloy', engineVoice: 'alloy' })
  expect(router.resolveVoice('local:de-m1')).toMatchObject({ id: 'local:de-m1', language: 'de', gender: 'male' })
  expect(router.resolveVoice('LOCAL:alloy')?.id).toBe('local:alloy')
})

test('an unknown engine, or a voice an engine with a catalogue lacks, resolves to nothing', () => {
  expect(router.resolveVoice('nope:af_bella')).toBeUndefined()
  expect(router.resolveVoice('local:xx-zz-f9')).toBeUndefined()
})

test('cache scopes tell engines and upstream models apart', () => {
  const a = router.cacheScope(router.resolveVoice('kokoro:af_bella')!)
  const b = router.cacheScope(router.resolveVoice('kokoro2:af_bella')!)
  const c = router.cacheScope(router.resolveVoice('local:en-us-f1')!)
  expect(new Set([a, b, c]).size).toBe(3)
  expect(a).toContain('kokoro')
})

test('the merged catalogue prefixes every voice with its engine', () => {
  const ids = router.voices().map((v) => v.id)
  expect(ids).toContain('local:en-us-f1')
  expect(ids).toContain('kokoro:alloy')
  expect(ids.every((id) => /^(kokoro|kokoro2|local):/.test(id))).toBe(true)
})

test('a fallback engine speaks with its voice closest in language and gender', () => {
  const asked = router.resolveVoice('kokoro:bf_emma')!
  expect(closestVoice(VOICES, asked)?.id).toBe('en-gb-f1')
  expect(closestVoice(VOICES, { ...asked, language: 'pt-BR', gender: 'male' })?.id).toBe('pt-br-m1')
  expect(closestVoice(VOICES, { ...asked, language: 'und', gender: 'male' })).toMatchObject({ language: 'en-US', gender: 'male' })
})

describe('without an engines file, the router stands for espeak alone, as before engine files', () => {
  const lone = buildRouter(IMPLICIT_ENGINES, { tracer: trace.getTracer('test'), pool: { workers: 1, maxQueue: 4 }, espeakVariant: 'espeak-wasm' })
  afterAll(() => lone.close())

  test('voice ids are unprefixed and the catalogue is espeak\'s own', () => {
    expect(lone.resolveVoice(' Alloy ')).toEqual(resolveVoice('alloy')!)
    expect(lone.resolveVoice('de-m1')?.id).toBe('de-m1')
    expect(lone.resolveVoice('espeak:de-m1')).toBeUndefined()
    expect(lone.voices()).toEqual(VOICES)
  })

  test('cache keys and the name in spans and logs are the espeak build, and instructions key nothing', () => {
    const voice = lone.resolveVoice('en-us-f1')!
    expect(lone.name).toBe('espeak-wasm')
    expect(lone.cacheScope(voice)).toBe('espeak-wasm')
    expect(lone.params(voice).honours.has('instructions')).toBe(false)
    expect(router.params(router.resolveVoice('kokoro:af_bella')!).honours.has('instructions')).toBe(true)
    expect(router.params(router.resolveVoice('local:en-us-f1')!).honours.has('instructions')).toBe(false)
  })

  test('its audio carries no engine name (no X-TTS-Engine) and no fallback mark', async () => {
    const chunks = []
    for await (const chunk of lone.synthesize('Hello there.', lone.resolveVoice('en-us-f1')!, {})) chunks.push(chunk)
    expect(chunks.length).toBeGreaterThan(0)
    expect(chunks.some((c) => c.engine !== undefined || c.fallback !== undefined)).toBe(false)
  })
})
