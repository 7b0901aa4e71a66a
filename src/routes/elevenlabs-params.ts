/**
 * ElevenLabs' voice parameters on the wire (HTTP bodies and queries, stream-input queries
 * and opening messages) and their translation into the one typed VoiceParams the pipeline
 * carries. Limits are ElevenLabs' own: at most 3 dictionary locators and 3 stitching ids
 * each, a seed from 0 to 4294967295.
 */
import { z } from 'zod'
import type { DictionaryLocator, VoiceParams } from '../tts/params/voice-params.ts'

export const MAX_LOCATORS = 3
export const MAX_STITCHING_IDS = 3
export const MAX_SEED = 4_294_967_295

export const elevenlabsVoiceSettingsSchema = z.object({
  stability: z.number().min(0).max(1).nullish(),
  similarity_boost: z.number().min(0).max(1).nullish(),
  style: z.number().min(0).max(1).nullish(),
  use_speaker_boost: z.boolean().nullish(),
  speed: z.number().min(0.25).max(4).nullish(),
})

export const locatorsSchema = z
  .array(
    z.object({
      pronunciation_dictionary_id: z.string().min(1).max(100),
      version_id: z.string().min(1).max(100).nullish(),
    }),
  )
  .max(MAX_LOCATORS, `at most ${MAX_LOCATORS} pronunciation dictionary locators`)

const requestIds = z
  .array(z.string().min(1).max(200).regex(/^[\w.:@/+=-]+$/, 'a request id is letters, digits and ._:@/+=-'))
  .max(MAX_STITCHING_IDS, `at most ${MAX_STITCHING_IDS} request ids`)

/** ISO 639-1 as ElevenLabs takes it, or a BCP-47 tag (`pt-BR`). */
export const languageCode = z
  .string()
  .max(20)
  .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/, 'a language code such as "en", "de" or "pt-BR"')

export const seed = z.number().int().min(0).max(MAX_SEED)
const normalization = z.enum(['auto', 'on', 'off'])

/** The text-to-speech body fields that shape the voice (every HTTP route). */
export const elevenlabsBodyParams = {
  language_code: languageCode.nullish(),
  voice_settings: elevenlabsVoiceSettingsSchema.nullish(),
  pronunciation_dictionary_locators: locatorsSchema.nullish(),
  seed: seed.nullish(),
  previous_text: z.string().max(10_000).nullish(),
  next_text: z.string().max(10_000).nullish(),
  previous_request_ids: requestIds.nullish(),
  next_request_ids: requestIds.nullish(),
  apply_text_normalization: normalization.nullish(),
  apply_language_text_normalization: z.boolean().nullish(),
}

const flag = z.enum(['true', 'false'])

/** stream-input and multi-stream-input query parameters that shape the voice. */
export const socketQueryParams = {
  language_code: languageCode.optional(),
  enable_ssml_parsing: flag.optional(),
  apply_text_normalization: normalization.optional(),
  seed: z.coerce.number().pipe(seed).optional(),
}

type Nullish<T> = { [K in keyof T]?: T[K] | null }
type VoiceSettings = Nullish<z.infer<typeof elevenlabsVoiceSettingsSchema>>
type Locator = { pronunciation_dictionary_id: string; version_id?: string | null | undefined }

export interface ElevenLabsParamSource {
  language_code?: string | null
  voice_settings?: VoiceSettings | null
  pronunciation_dictionary_locators?: readonly Locator[] | null
  seed?: number | null
  previous_text?: string | null
  next_text?: string | null
  previous_request_ids?: readonly string[] | null
  next_request_ids?: readonly string[] | null
  apply_text_normalization?: 'auto' | 'on' | 'off' | null
  apply_language_text_normalization?: boolean | null
  enable_ssml_parsing?: 'true' | 'false' | boolean | null
  optimize_streaming_latency?: number | null
  chunk_length_schedule?: readonly number[] | null
}

/**
 * The parameters of an ElevenLabs request (body, query or socket), nulls and absences dropped.
 *
 * @example
 * elevenlabsParams({ voice_settings: { stability: 0.3, speed: 1.1 }, seed: 7 })
 * // { stability: 0.3, seed: 7 } (speed travels as SynthesisOptions.speed)
 */
export function elevenlabsParams(source: ElevenLabsParamSource): VoiceParams {
  const s = source.voice_settings ?? {}
  const out: Record<string, unknown> = {
    language_code: source.language_code,
    stability: s.stability,
    similarity_boost: s.similarity_boost,
    style: s.style,
    use_speaker_boost: s.use_speaker_boost,
    seed: source.seed,
    previous_text: source.previous_text,
    next_text: source.next_text,
    previous_request_ids: source.previous_request_ids,
    next_request_ids: source.next_request_ids,
    pronunciation_dictionary_locators: source.pronunciation_dictionary_locators?.map(locator),
    apply_text_normalization: source.apply_text_normalization,
    apply_language_text_normalization: source.apply_language_text_normalization,
    enable_ssml_parsing: typeof source.enable_ssml_parsing === 'string' ? source.enable_ssml_parsing === 'true' : source.enable_ssml_parsing,
    optimize_streaming_latency: source.optimize_streaming_latency,
    chunk_length_schedule: source.chunk_length_schedule,
  }
  for (const name of Object.keys(out)) if (out[name] === undefined || out[name] === null) delete out[name]
  return out as VoiceParams
}

function locator(l: Locator): DictionaryLocator {
  return { pronunciation_dictionary_id: l.pronunciation_dictionary_id, ...(l.version_id && { version_id: l.version_id }) }
}

/**
 * Body fields outside ElevenLabs' documented set: accepted (ElevenLabs ignores them too) and
 * named as ignored, never silently lost. Names are bounded so a header can carry them.
 *
 * @example
 * unknownFields({ text: 'Hi', use_pvc_as_ivc: true }, ['text']) // ['use_pvc_as_ivc']
 */
export function unknownFields(body: unknown, known: readonly string[]): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return []
  return Object.keys(body)
    .filter((name) => !known.includes(name))
    .map((name) => (/^[\w.-]{1,64}$/.test(name) ? name : 'unnamed_field'))
    .slice(0, 20)
}
