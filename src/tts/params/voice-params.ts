/**
 * The request parameters that shape a voice, as one typed object every route fills and
 * every engine reads (docs/api.md "Voice parameters"). Names are the wire names clients send
 * (ElevenLabs' `voice_settings` fields flattened), so what `X-TTS-Ignored` names is what the
 * client wrote. Speed, model and format stay where they were (SynthesisOptions).
 *
 * An engine declares what it does with each parameter (ParamSupport): honours it (the
 * audio depends on it, so it keys the cache), satisfies it by nature (`moot`: espeak is
 * deterministic whatever the `seed`), or not at all (ignored, and said so).
 */

/** A pronunciation dictionary and, optionally, one of its versions (latest when absent). */
export interface DictionaryLocator {
  pronunciation_dictionary_id: string
  version_id?: string
}

/** Text normalisation as ElevenLabs names it: `auto` lets the engine decide. */
export type TextNormalization = 'auto' | 'on' | 'off'

export interface VoiceParams {
  /** ISO 639-1 (or BCP-47) language the voice should speak. */
  language_code?: string
  /** ElevenLabs `voice_settings` (speed travels as SynthesisOptions.speed). */
  stability?: number
  similarity_boost?: number
  style?: number
  use_speaker_boost?: boolean
  /** 0 to 4294967295: the same seed asks a sampling engine for the same audio. */
  seed?: number
  /** Request stitching: the text around this one, and the generations before and after it. */
  previous_text?: string
  next_text?: string
  previous_request_ids?: readonly string[]
  next_request_ids?: readonly string[]
  pronunciation_dictionary_locators?: readonly DictionaryLocator[]
  apply_text_normalization?: TextNormalization
  apply_language_text_normalization?: boolean
  /** Stream-input: the text holds SSML. */
  enable_ssml_parsing?: boolean
  /** ElevenLabs' latency/quality trade-off, 0 to 4. */
  optimize_streaming_latency?: number
  /** Stream-input's chunking of text into generations (an ElevenLabs upstream link gets it as sent). */
  chunk_length_schedule?: readonly number[]
  /** OpenAI `instructions`: how to speak (tone, accent, pace). */
  instructions?: string
  /**
   * Body fields of the OpenAI route outside OpenAI's schema (Kokoro-FastAPI's `lang_code`,
   * `normalization_options`, ...), as sent: forwarded by engines whose `pass_through` lists them.
   */
  extra?: Readonly<Record<string, unknown>>
}

/** Every parameter name of VoiceParams except the open-ended `extra`. */
export type ParamName = Exclude<keyof VoiceParams, 'extra'>

export const PARAM_NAMES: readonly ParamName[] = [
  'language_code',
  'stability',
  'similarity_boost',
  'style',
  'use_speaker_boost',
  'seed',
  'previous_text',
  'next_text',
  'previous_request_ids',
  'next_request_ids',
  'pronunciation_dictionary_locators',
  'apply_text_normalization',
  'apply_language_text_normalization',
  'enable_ssml_parsing',
  'optimize_streaming_latency',
  'chunk_length_schedule',
  'instructions',
]

/**
 * The parameters of speech markup, pronunciation dictionaries and text clean-up: applied before
 * synthesis for every engine (markup/speech-plan.ts), so every engine honours them.
 */
export const SPEECH_PARAMS: readonly ParamName[] = ['pronunciation_dictionary_locators', 'apply_text_normalization', 'enable_ssml_parsing']

/**
 * What a request honours on this engine: the engine's own support, and markup, dictionaries
 * and clean-up, which the pipeline applies whatever the engine.
 *
 * @example
 * withSpeechParams(HONOURS_NOTHING).honours.has('apply_text_normalization') // true
 */
export function withSpeechParams(support: ParamSupport): ParamSupport {
  return { ...support, honours: withSpeech(support.honours) }
}

// An engine hands out the same `honours` set for every request to a voice (the router wraps it in
// a fresh support object per request): the widened set is built once per engine set, not per hit.
const WIDENED = new WeakMap<ReadonlySet<ParamName>, ReadonlySet<ParamName>>()

function withSpeech(honours: ReadonlySet<ParamName>): ReadonlySet<ParamName> {
  let widened = WIDENED.get(honours)
  if (!widened) WIDENED.set(honours, (widened = new Set([...honours, ...SPEECH_PARAMS])))
  return widened
}

/** What an engine does with request parameters, for one voice. */
export interface ParamSupport {
  /** The audio depends on these: forwarded to (or applied by) the engine, and part of the cache key. */
  honours: ReadonlySet<ParamName>
  /** Satisfied by the engine's nature (espeak: `seed`): neither reported as ignored nor keyed. */
  moot?: ReadonlySet<ParamName>
  /** Fields of `extra` forwarded verbatim (the engines file's `pass_through`); others are ignored. */
  passThrough?: ReadonlySet<string>
  /**
   * Each utterance of a streaming session is spoken in the context of the text before it
   * (an ElevenLabs stream-input link): that text is part of each utterance's cache key.
   */
  conditionsOnContext?: boolean
  /**
   * Whether a stitching id (`previous_request_ids`, `next_request_ids`) names a generation this
   * engine may know; the others are dropped before forwarding (and keying), never an error.
   */
  knows?(requestId: string): boolean
}

/** An engine that takes no parameter at all. */
export const HONOURS_NOTHING: ParamSupport = { honours: new Set() }

/**
 * The support of a set of parameter names.
 *
 * @example
 * const support = supports(['language_code'], { moot: ['seed'] })
 */
export function supports(honours: readonly ParamName[], more: { moot?: readonly ParamName[]; passThrough?: readonly string[]; conditionsOnContext?: boolean } = {}): ParamSupport {
  return {
    honours: new Set(honours),
    ...(more.moot && { moot: new Set(more.moot) }),
    ...(more.passThrough && { passThrough: new Set(more.passThrough) }),
    ...(more.conditionsOnContext && { conditionsOnContext: true }),
  }
}
