/**
 * An `openai` engine's entry in the engines file: any OpenAI-compatible `/v1/audio/speech`.
 */
import { z } from 'zod'
import { PHONEME_SYNTAXES } from '../../../markup/render-text.ts'
import { upstreamFields, upstreamUrl } from '../upstream/upstream-settings.ts'

/** The speech body's own fields: the route sends them itself, so none may be passed through. */
const OPENAI_FIELDS = ['model', 'input', 'voice', 'response_format', 'speed', 'instructions', 'stream_format']

export const openaiSettings = z.strictObject({
  kind: z.literal('openai'),
  url: upstreamUrl,
  ...upstreamFields,
  /** response_format values the upstream produces; others are asked for as pcm and transcoded here. */
  formats: z.array(z.enum(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'])).default(['mp3', 'flac', 'wav', 'pcm']),
  /** How the server reads inline phonemes (`kokoro`: `[word](/ipa/)`); unset: phonemes are said as the written word. */
  phoneme_syntax: z.enum(PHONEME_SYNTAXES).optional(),
  /**
   * Body fields of the OpenAI route beyond OpenAI's own, forwarded verbatim (Kokoro-FastAPI's
   * `lang_code`, `normalization_options`, `volume_multiplier`); others are ignored and named.
   */
  pass_through: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z_][\w.-]{0,63}$/, 'a body field name (letters, digits, _ . -)')
        .refine((name) => !OPENAI_FIELDS.includes(name), 'one of OpenAI\'s own fields, which are always sent'),
    )
    .max(32)
    .default([]),
})

export type OpenAIEngineSettings = z.output<typeof openaiSettings> & { name: string; apiKey?: string }
