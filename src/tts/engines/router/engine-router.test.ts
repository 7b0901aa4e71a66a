import { afterAll, expect, test } from 'bun:test'
import { trace } from '@opentelemetry/api'
import { VOICES } from '../../voices.ts'
import { closestVoice } from '../upstream/upstream-engine.ts'
import { buildRouter } from './build-router.ts'
import { parseEnginesFile } from './engines-file.ts'

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
  { tracer: trace.getTracer('test'), espeak: { engine: 'espeak-wasm', workers: 1, maxQueue: 1 } },
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
