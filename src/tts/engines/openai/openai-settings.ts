/**
 * An `openai` engine's entry in the engines file: any OpenAI-compatible `/v1/audio/speech`.
 */
import { z } from 'zod'
import { PHONEME_SYNTAXES } from '../../../markup/render-text.ts'
import { upstreamFields, upstreamUrl } from '../upstream/upstream-settings.ts'

export const openaiSettings = z.strictObject({
  kind: z.literal('openai'),
  url: upstreamUrl,
  ...upstreamFields,
  /** response_format values the upstream produces; others are asked for as pcm and transcoded here. */
  formats: z.array(z.enum(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'])).default(['mp3', 'flac', 'wav', 'pcm']),
  /** How the server reads inline phonemes (`kokoro`: `[word](/ipa/)`); unset: phonemes are said as the written word. */
  phoneme_syntax: z.enum(PHONEME_SYNTAXES).optional(),
})

export type OpenAIEngineSettings = z.output<typeof openaiSettings> & { name: string; apiKey?: string }
