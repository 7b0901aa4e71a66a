/**
 * The body of OpenAI's `POST /v1/audio/speech`: its schema (zod, the contract and the source of
 * every error message), and a check of the common well-formed body that answers exactly as
 * the schema does without building zod's parse context. A hit pays for the body's validation
 * on every request; any body the check is not sure of (an error, a voice object, a field the
 * check does not know how to copy) goes through zod.
 */
import type { Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import { OPENAI_FORMATS } from '../audio/formats.ts'
import { parseWith } from './request-body.ts'

/** The request body, as OpenAI documents it (other fields are kept for engines that pass them through). */
export const openaiSpeechSchema = z.looseObject({
  model: z.string().min(1).max(200),
  input: z.string(),
  voice: z.union([z.string().min(1).max(200), z.object({ id: z.string().min(1).max(200) })]),
  // A string, not an enum: a name we do not serve gets OpenAI's 400 naming the ones we do.
  response_format: z.string().max(50).default('mp3').describe(`One of: ${OPENAI_FORMATS.join(', ')}`),
  speed: z.number().min(0.25).max(4).default(1),
  instructions: z.string().max(4096).optional(),
  stream_format: z.enum(['audio', 'sse']).default('audio'),
})

export type OpenAISpeechBody = z.infer<typeof openaiSpeechSchema>

/** The schema's own fields, in its order (zod's output puts them first, in this order). */
export const OPENAI_SPEECH_FIELDS = new Set(Object.keys(openaiSpeechSchema.shape))

/**
 * The validated body: the schema's output (defaults filled in, other fields kept after the
 * known ones), or the route's 400 naming every bad field.
 *
 * @example
 * const body = parseOpenAISpeech(c, await readJsonBody(c))
 */
export function parseOpenAISpeech(c: Context<AppEnv>, raw: unknown): OpenAISpeechBody {
  return wellFormed(raw) ?? parseWith(c, openaiSpeechSchema, raw)
}

const isText = (value: unknown, min: number, max: number): value is string => typeof value === 'string' && value.length >= min && value.length <= max

/**
 * The schema's output for a body it accepts with a string voice; undefined for anything else
 * (which zod then parses, errors included). Exported for the test that holds it to zod.
 */
export function wellFormed(raw: unknown): OpenAISpeechBody | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined
  const body = raw as Record<string, unknown>
  const { model, input, voice } = body
  const format = body.response_format === undefined ? 'mp3' : body.response_format
  const speed = body.speed === undefined ? 1 : body.speed
  const streamFormat = body.stream_format === undefined ? 'audio' : body.stream_format
  const { instructions } = body
  if (!isText(model, 1, 200) || typeof input !== 'string' || !isText(voice, 1, 200) || !isText(format, 0, 50)) return undefined
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < 0.25 || speed > 4) return undefined
  if (instructions !== undefined && !isText(instructions, 0, 4096)) return undefined
  if (streamFormat !== 'audio' && streamFormat !== 'sse') return undefined
  const out: Record<string, unknown> = { model, input, voice, response_format: format, speed }
  if ('instructions' in body) out.instructions = instructions
  out.stream_format = streamFormat
  for (const name in body) {
    if (OPENAI_SPEECH_FIELDS.has(name)) continue
    // Assigning it would set the copy's prototype: left to zod.
    if (name === '__proto__') return undefined
    out[name] = body[name]
  }
  return out as OpenAISpeechBody
}
