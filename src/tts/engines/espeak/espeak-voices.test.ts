import { describe, expect, test } from 'bun:test'
import { OPENAI_VOICE_NAMES } from '../openai/openai-voices.ts'
import { OPENAI_VOICES, resolveVoice, toLanguageTag, VOICES } from './espeak-voices.ts'

describe('voice catalogue', () => {
  test('ids are unique, stable and URL-safe', () => {
    const ids = VOICES.map((v) => v.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[a-z0-9-]+-[mf][1-9]$/)
    expect(ids).toContain('en-us-f1')
    expect(ids).toContain('en-us-m1')
    expect(VOICES.length).toBeGreaterThan(200)
    expect(VOICES.length).toBeLessThan(400)
  })

  test('every language has a male and a female voice; English has more', () => {
    const byLanguage = Map.groupBy(VOICES, (v) => v.language)
    expect(byLanguage.size).toBeGreaterThan(100)
    for (const [language, voices] of byLanguage) {
      const genders = new Set(voices.map((v) => v.gender))
      expect({ language, genders: [...genders].sort() }).toEqual({ language, genders: ['female', 'male'] })
    }
    expect(byLanguage.get('en-US')!.length).toBeGreaterThanOrEqual(6)
    expect(byLanguage.get('en-GB')!.length).toBeGreaterThanOrEqual(4)
  })

  test('engine voices use espeak variants matching the gender', () => {
    expect(resolveVoice('en-us-f1')).toMatchObject({ language: 'en-US', gender: 'female', engineVoice: 'en-us+f3' })
    expect(resolveVoice('de-m1')).toMatchObject({ language: 'de', gender: 'male', engineVoice: 'de+m3' })
    for (const v of VOICES) expect(v.engineVoice).toMatch(v.gender === 'female' ? /\+f\d$/ : /\+m\d$/)
  })

  test('language tags use BCP-47 casing', () => {
    expect(toLanguageTag('pt-br')).toBe('pt-BR')
    expect(toLanguageTag('en-gb-x-rp')).toBe('en-GB-x-rp')
    expect(toLanguageTag('cmn-latn-pinyin')).toBe('cmn-Latn-pinyin')
    expect(toLanguageTag('es-419')).toBe('es-419')
    expect(VOICES.map((v) => v.language)).toContain('pt-BR')
  })

  test.each([
    ['alloy', 'female'],
    ['ash', 'male'],
    ['ballad', 'male'],
    ['coral', 'female'],
    ['echo', 'male'],
    ['fable', 'male'],
    ['onyx', 'male'],
    ['nova', 'female'],
    ['sage', 'female'],
    ['shimmer', 'female'],
    ['verse', 'male'],
    ['marin', 'female'],
    ['cedar', 'male'],
  ] as const)('OpenAI voice %s resolves to an English %s voice', (name, gender) => {
    const voice = resolveVoice(name)
    expect(voice).toMatchObject({ id: name, gender })
    expect(voice!.language).toStartWith('en-')
    expect(VOICES.some((v) => v.engineVoice === voice!.engineVoice && v.gender === gender)).toBe(true)
  })

  test('resolves ids and names case-insensitively, and nothing else', () => {
    expect(resolveVoice('ALLOY')?.id).toBe('alloy')
    expect(resolveVoice(' En-US-M1 ')?.id).toBe('en-us-m1')
    expect(resolveVoice('nope')).toBeUndefined()
    expect(resolveVoice('en-us+f3')).toBeUndefined()
    expect(resolveVoice('')).toBeUndefined()
    expect(OPENAI_VOICES).toHaveLength(13)
  })
})

test('espeak speaks each OpenAI voice name with a voice of the language and gender OpenAI gives it', () => {
  const spoken = OPENAI_VOICES.map(({ id, name, language, gender }) => ({ id, name, language, gender }))
  expect(spoken).toEqual([...OPENAI_VOICE_NAMES])
})
