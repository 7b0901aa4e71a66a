/**
 * What an ElevenLabs upstream is sent: every voice parameter the client gave, as ElevenLabs
 * names it (docs/api.md "Voice parameters"), in the HTTP body and query, or in a stream-input
 * link's URL query and opening message.
 */
import type { SynthesisOptions } from '../../engine.ts'
import { PARAM_NAMES, supports, type ParamName, type VoiceParams } from '../../params/voice-params.ts'

/** Everything ElevenLabs takes (all but OpenAI's `instructions`). */
const HONOURED: ParamName[] = PARAM_NAMES.filter((name) => name !== 'instructions')

/**
 * What an ElevenLabs upstream honours; over stream-input links each utterance is spoken in
 * the context of the session's text before it, which then keys it.
 *
 * @example
 * elevenlabsSupport(true).conditionsOnContext // true
 */
export function elevenlabsSupport(streamInput: boolean) {
  return supports(HONOURED, { conditionsOnContext: streamInput })
}

// Not `pronunciation_dictionary_locators`: they name this server's dictionaries, applied here
// before the text is sent (docs/api.md "Pronunciation dictionaries"); ElevenLabs knows none of them.
const BODY: ParamName[] = [
  'language_code',
  'seed',
  'previous_text',
  'next_text',
  'previous_request_ids',
  'next_request_ids',
  'apply_text_normalization',
  'apply_language_text_normalization',
]

/** `voice_settings` as sent: the four settings the client gave, and its speed. */
function voiceSettings(params: VoiceParams, speed: number | undefined): Record<string, unknown> | undefined {
  const settings = pick(params, ['stability', 'similarity_boost', 'style', 'use_speaker_boost'])
  if (speed !== undefined && speed !== 1) settings.speed = speed
  return Object.keys(settings).length > 0 ? settings : undefined
}

/**
 * The text-to-speech body.
 *
 * @example
 * httpBody('Hi.', 'eleven_multilingual_v2', { speed: 1.1, params: { stability: 0.4, seed: 7 } })
 * // { text: 'Hi.', model_id: 'eleven_multilingual_v2', seed: 7, voice_settings: { stability: 0.4, speed: 1.1 } }
 */
export function httpBody(text: string, model: string, options: SynthesisOptions): Record<string, unknown> {
  const params = options.params ?? {}
  const settings = voiceSettings(params, options.speed)
  return { text, model_id: model, ...pick(params, BODY), ...(settings && { voice_settings: settings }) }
}

/**
 * The text-to-speech query: the format, the latency trade-off and zero retention.
 *
 * @example
 * httpQuery('pcm_24000', { retention: 'none', params: { optimize_streaming_latency: 2 } }) // 'output_format=pcm_24000&optimize_streaming_latency=2&enable_logging=false'
 */
export function httpQuery(outputFormat: string, options: SynthesisOptions): string {
  const query = new URLSearchParams({ output_format: outputFormat })
  const latency = options.params?.optimize_streaming_latency
  if (latency !== undefined) query.set('optimize_streaming_latency', String(latency))
  if (options.retention === 'none') query.set('enable_logging', 'false')
  return query.toString()
}

/**
 * A stream-input link's URL query: model, format, and the session's query parameters.
 *
 * @example
 * linkQuery('eleven_flash_v2_5', 'pcm_24000', { params: { language_code: 'de', seed: 3 } })
 */
export function linkQuery(model: string, outputFormat: string, options: SynthesisOptions): string {
  const params = options.params ?? {}
  const query = new URLSearchParams({ model_id: model, output_format: outputFormat })
  for (const name of ['language_code', 'apply_text_normalization', 'seed'] as const) {
    const value = params[name]
    if (value !== undefined) query.set(name, String(value))
  }
  // Always: the text sent is rendered with <break> and <phoneme> inline and its words XML-escaped.
  query.set('enable_ssml_parsing', 'true')
  if (options.retention === 'none') query.set('enable_logging', 'false')
  return query.toString()
}

/**
 * A stream-input link's opening message: voice settings, generation config, dictionaries.
 *
 * @example
 * linkOpening({ speed: 1, params: { stability: 0.5, chunk_length_schedule: [50] } })
 * // { text: ' ', voice_settings: { stability: 0.5 }, generation_config: { chunk_length_schedule: [50] } }
 */
export function linkOpening(options: SynthesisOptions): Record<string, unknown> {
  const params = options.params ?? {}
  const settings = voiceSettings(params, options.speed)
  return {
    text: ' ',
    ...(settings && { voice_settings: settings }),
    ...(params.chunk_length_schedule && { generation_config: { chunk_length_schedule: params.chunk_length_schedule } }),
  }
}

function pick(params: VoiceParams, names: readonly ParamName[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of names) if (params[name] !== undefined) out[name] = params[name]
  return out
}
