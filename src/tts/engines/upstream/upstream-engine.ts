/**
 * What the router needs from an engine besides the Engine interface: resolving a voice by
 * the engine's own id, and picking its closest voice when standing in for another engine.
 */
import type { Engine, Voice } from '../../engine.ts'

export interface RoutedEngine extends Engine {
  /** Kind from the engines file (`openai`, `elevenlabs`, `espeak`). */
  readonly kind: string
  /** The voice with this id in the engine's own catalogue (no `engine:` prefix). */
  resolve(id: string): Voice | undefined
  /** What identifies this engine's audio in cache keys (upstream URL and model). */
  scope(): string
}

/**
 * The engine's voice closest to `voice` (same language and gender, then same language,
 * then same gender): what a fallback engine speaks with.
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
    voices.find((v) => v.gender === voice.gender) ??
    voices[0]
  )
}
