/**
 * The cache key of one piece of speech (docs/gateway.md "Cache", docs/api.md "Voice parameters"): engine and
 * upstream scope, model, voice, format, speed and text, plus the canonical form of every
 * parameter the engine honours, and only those. A request without parameters keys exactly as
 * it did before parameters existed, so a deploy keeps its cache.
 */
import { cacheKey } from '../cache/cache.ts'
import type { AudioFormatSpec } from '../audio/formats.ts'
import type { Engine, Voice } from './engine.ts'
import { formatId } from './format-id.ts'
import { canonicalParams } from './params/resolve-params.ts'
import type { VoiceParams } from './params/voice-params.ts'

export interface KeyedSpeech {
  text: string
  voice: Voice
  format: AudioFormatSpec
  speed: number
  model: string
  /** The parameters the engine honours (resolveParams' `honoured`). */
  honoured: VoiceParams
  /**
   * For engines that condition each utterance of a session on the text before it: that text
   * (the same audio needs the same context).
   */
  context?: string
  /** Markup, clean-up and dictionary versions (markup/speech-plan.ts); absent: the text as written. */
  speech?: string
}

/**
 * @example
 * const key = speechKey(engine, { text: 'Hello.', voice, format, speed: 1, model: 'tts-1', honoured: {} })
 */
export function speechKey(engine: Pick<Engine, 'name' | 'cacheScope'>, speech: KeyedSpeech): string {
  const params = canonicalParams(speech.honoured)
  return cacheKey({
    engine: engine.cacheScope?.(speech.voice) ?? engine.name,
    model: speech.model,
    // Where it always was (upstream engines keyed it before parameters existed): those keys stay valid.
    ...(speech.honoured.instructions !== undefined && { instructions: speech.honoured.instructions }),
    voice: speech.voice.id,
    format: formatId(speech.format),
    speed: speech.speed,
    text: speech.text,
    ...(params && { params }),
    ...(speech.context && { context: speech.context }),
    ...(speech.speech && { speech: speech.speech }),
  })
}
