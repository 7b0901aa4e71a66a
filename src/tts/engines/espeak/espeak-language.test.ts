import { expect, test } from 'bun:test'
import { UnsupportedParamError } from '../../params/param-error.ts'
import { inLanguage } from './espeak-language.ts'
import { resolveVoice } from './espeak-voices.ts'

const en = resolveVoice('en-us-f1')!

test("language_code keeps the voice's variant and changes its language", () => {
  expect(inLanguage(en, 'de').engineVoice).toBe(resolveVoice('de-f1')!.engineVoice)
  expect(inLanguage(en, 'pt-BR').engineVoice).toBe(resolveVoice('pt-br-f1')!.engineVoice)
  expect(inLanguage(resolveVoice('de-m1')!, 'fr').engineVoice).toBe(resolveVoice('fr-fr-m1')!.engineVoice)
  // A language the voice already speaks keeps its own variety.
  expect(inLanguage(en, 'en')).toEqual(en)
  expect(inLanguage(en, undefined)).toBe(en)
})

test('a language espeak-ng does not speak is an UnsupportedParamError naming it', () => {
  expect(() => inLanguage(en, 'xx')).toThrow(UnsupportedParamError)
  expect(() => inLanguage(en, 'xx')).toThrow("'xx'")
})
