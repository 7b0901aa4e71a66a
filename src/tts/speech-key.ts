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
  // Written in sorted order: the encoding sorts the fields anyway (the key does not depend on
  // this order), and fields already in order spare the hit path the sort.
  return cacheKey({
    ...(speech.context && { context: speech.context }),
    engine: engine.cacheScope?.(speech.voice) ?? engine.name,
    format: formatId(speech.format),
    // Where it always was (upstream engines keyed it before parameters existed): those keys stay valid.
    ...(speech.honoured.instructions !== undefined && { instructions: speech.honoured.instructions }),
    model: speech.model,
    ...(params && { params }),
    ...(speech.speech && { speech: speech.speech }),
    speed: speech.speed,
    text: speech.text,
    voice: speech.voice.id,
  })
}
