/**
 * Which voice a fallback engine speaks with when it stands in for another engine.
 */
import type { Voice } from '../../engine.ts'

/**
 * The engine's voice closest to `voice` (same language and gender, then same language, then
 * English of the same gender, then same gender).
 *
 * @example
 * closestVoice(espeakVoices, { language: 'en-US', gender: 'female', ... })?.id // 'en-us-f1'
 */
export function closestVoice(voices: readonly Voice[], voice: Voice): Voice | undefined {
  const lang = voice.language.toLowerCase()
  const primary = lang.split('-')[0]
  const sameLang = (v: Voice) => v.language.toLowerCase() === lang
  const samePrimary = (v: Voice) => v.language.toLowerCase().split('-')[0] === primary
  return (
    voices.find((v) => sameLang(v) && v.gender === voice.gender) ??
    voices.find((v) => samePrimary(v) && v.gender === voice.gender) ??
    voices.find(samePrimary) ??
    // A voice whose language nobody said (`und`) most likely speaks English: not Afrikaans, first in the list.
    voices.find((v) => v.language.toLowerCase() === 'en-us' && v.gender === voice.gender) ??
    voices.find((v) => v.language.toLowerCase().startsWith('en') && v.gender === voice.gender) ??
    voices.find((v) => v.gender === voice.gender) ??
    voices[0]
  )
}
