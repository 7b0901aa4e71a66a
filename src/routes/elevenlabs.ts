/**
 * ElevenLabs-compatible speech: `POST /v1/text-to-speech/{voice_id}` and `/stream`,
 * `GET /v1/voices`, `GET /v1/voices/{voice_id}`. Errors as `{"detail":...}`; the official
 * `@elevenlabs/elevenlabs-js` SDK must work unmodified.
 */
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import { parseElevenLabsFormat, type AudioFormatSpec } from '../audio/formats.ts'
import { ApiError } from '../errors.ts'
import { elevenlabsMarkup, type MarkupKind } from '../markup/markup-detect.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import type { Voice } from '../tts/engine.ts'
import { findModel } from '../tts/models.ts'
import { voiceAllowed } from '../keys/key-access.ts'
import { unknownVoicePart } from '../tts/voice-mix.ts'
import type { SpeechService } from '../tts/speech-service.ts'
import { normaliseText } from '../tts/text.ts'
import type { StitchingIds } from '../tts/params/stitching-ids.ts'
import type { VoiceParams } from '../tts/params/voice-params.ts'
import type { Retention } from '../tts/speech-service.ts'
import { audioResponse } from './audio-response.ts'
import { elevenlabsBodyParams, elevenlabsParams, unknownFields } from './elevenlabs-params.ts'
import { ignoredHeader } from './ignored-header.ts'
import { parseWith, readJsonBody } from './request-body.ts'
import { requestedRetention, retentionOf, textLogFields } from './retention.ts'

/** The request body, as ElevenLabs documents it (docs/api.md "Voice parameters" says what each field does here). */
export const elevenlabsSpeechSchema = z.object({
  text: z.string(),
  model_id: z.string().min(1).max(200).default('eleven_multilingual_v2'),
  ...elevenlabsBodyParams,
})

export const elevenlabsQuerySchema = z.object({
  output_format: z.string().max(50).default('mp3_44100_128'),
  optimize_streaming_latency: z.coerce.number().int().min(0).max(4).optional(),
  enable_logging: z.enum(['true', 'false']).optional(),
})

const KNOWN_FIELDS = Object.keys(elevenlabsSpeechSchema.shape)

export interface ElevenLabsRoutesDeps {
  speech: SpeechService
  resolveVoice: (nameOrId: string) => Voice | undefined
  voices: () => readonly Voice[]
  maxInputChars: number
  logText: boolean
  /** TTS_CACHE_SKIP_PATTERN: matching texts are never cached. */
  cacheSkipPattern?: RegExp
  /** Learns which engine made each generation whose `request-id` we hand out. */
  stitching?: Pick<StitchingIds, 'record'>
  metrics?: Metrics
  /** The configured engine that serves a voice: a key's `engines` hide the others' voices from it. */
  engineOf?: (voice: Voice) => string
}

/**
 * @example
 * app.route('/', elevenlabsRoutes({ speech, resolveVoice, voices, maxInputChars: 4096, logText: false }))
 */
export function elevenlabsRoutes(deps: ElevenLabsRoutesDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  const speak = (route: string) => async (c: Context<AppEnv>) => {
    const started = performance.now()
    const request = await readElevenLabsRequest(c, deps)
    const result = await deps.speech.speak({ ...request, signal: c.req.raw.signal })
    c.get('logFields').cache = result.cacheResult
    c.get('span').setAttribute('tts.cache.result', result.cacheResult)
    // ElevenLabs names each generation in `request-id` (clients stitch requests with it); an
    // upstream's own id, when we spoke through one, replaces ours in audioResponse.
    const headers = { 'request-id': c.get('requestId'), ...ignoredHeader(c, [...request.unknown, ...result.ignored]) }
    const response = await audioResponse(c, result, { metrics: deps.metrics, route, started, headers })
    recordGeneration(deps, response.headers)
    return response
  }

  app.post('/v1/text-to-speech/:voice_id', speak('/v1/text-to-speech/:voice_id'))
  app.post('/v1/text-to-speech/:voice_id/stream', speak('/v1/text-to-speech/:voice_id/stream'))

  // A key restricted to some engines or voices sees only those: another's is a 404 to it, as
  // it would be on a vendor's account (speaking with one is a 403 that names the key).
  const mayUse = (c: Context<AppEnv>, voice: Voice) => voiceAllowed(c.get('apiKey'), voice.id, deps.engineOf?.(voice) ?? '')
  app.get('/v1/voices', (c) => c.json({ voices: deps.voices().filter((v) => mayUse(c, v)).map(voiceJson) }))
  app.get('/v1/voices/:voice_id', (c) => {
    const id = c.req.param('voice_id')
    const voice = findVoice(deps, id)
    if (!mayUse(c, voice)) throw detail(404, 'voice_not_found', `A voice with the voice_id '${id.slice(0, 100)}' was not found.`)
    return c.json(voiceJson(voice))
  })

  return app
}

/** A validated ElevenLabs speech request: path voice, query format, JSON body. */
export interface ElevenLabsRequest {
  text: string
  source: string
  markup: MarkupKind
  owner: string
  voice: Voice
  format: AudioFormatSpec
  speed: number
  model: string
  params: VoiceParams
  retention: Retention
  /** Body fields outside ElevenLabs' documented set (accepted, ignored, and said so). */
  unknown: string[]
}

/**
 * Reads and validates an ElevenLabs text-to-speech request, annotating the span and the
 * request's log line; throws ApiError in ElevenLabs' shape.
 *
 * @example
 * const { text, voice, format, speed, model } = await readElevenLabsRequest(c, deps)
 */
export async function readElevenLabsRequest(
  c: Context<AppEnv>,
  deps: Pick<ElevenLabsRoutesDeps, 'resolveVoice' | 'maxInputChars' | 'logText' | 'cacheSkipPattern'>,
): Promise<ElevenLabsRequest> {
  const query = parseWith(c, elevenlabsQuerySchema, c.req.query(), 'query')
  const raw = await readJsonBody(c)
  const body = parseWith(c, elevenlabsSpeechSchema, raw)
  const voice = findVoice(deps, c.req.param('voice_id') ?? '')
  const text = normaliseText(body.text)
  if (!text) throw detail(400, 'empty_text', 'text must contain something to speak.')
  if (text.length > deps.maxInputChars) {
    throw detail(400, 'max_character_limit_exceeded', `text is ${text.length} characters; the limit is ${deps.maxInputChars}.`)
  }
  if (!findModel(body.model_id)) throw detail(404, 'model_not_found', `Model '${body.model_id.slice(0, 100)}' does not exist.`)
  const lookup = parseElevenLabsFormat(query.output_format)
  if (!lookup.ok) throw detail(400, 'invalid_output_format', lookup.message)
  c.get('span').setAttributes({
    'tts.voice': voice.id,
    'tts.language': voice.language,
    'tts.gender': voice.gender,
    'tts.format': query.output_format,
    'tts.characters': text.length,
  })
  const retention = retentionOf(text, requestedRetention(query.enable_logging, c.req.header('cache-control')), deps.cacheSkipPattern)
  Object.assign(c.get('logFields'), textLogFields(text, { logText: deps.logText, retention }), { voice: voice.id, format: query.output_format, model: body.model_id })
  // Admitted once the request is known to be valid: a rejected one costs the key nothing.
  await c.get('usage')?.admit({ chars: text.length, voice, model: body.model_id })
  return {
    text,
    // Markup, markdown and line breaks are read from what the client sent, not the normalised text.
    source: body.text,
    markup: elevenlabsMarkup(body.text),
    owner: c.get('keyId') ?? '',
    voice,
    format: lookup.spec,
    speed: body.voice_settings?.speed ?? 1,
    model: body.model_id,
    params: elevenlabsParams({ ...body, optimize_streaming_latency: query.optimize_streaming_latency }),
    retention,
    unknown: unknownFields(raw, KNOWN_FIELDS),
  }
}

/**
 * Remembers which engine made the generation a response names, so a later request's stitching
 * ids are forwarded only to the engine that can know them.
 *
 * @example
 * recordGeneration(deps, response.headers)
 */
export function recordGeneration(deps: Pick<ElevenLabsRoutesDeps, 'stitching'>, headers: Headers | Record<string, string>): void {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name])
  const id = get('request-id')
  const engine = get('x-tts-engine')
  if (id && engine) deps.stitching?.record(id, engine)
}

function findVoice(deps: Pick<ElevenLabsRoutesDeps, 'resolveVoice'>, id: string): Voice {
  const voice = deps.resolveVoice(id)
  if (voice) return voice
  const part = unknownVoicePart(id, deps.resolveVoice)
  throw detail(404, 'voice_not_found', part ? `A voice with the voice_id '${part}' (part of the mix '${id.slice(0, 200)}') was not found.` : `A voice with the voice_id '${id.slice(0, 100)}' was not found.`)
}

function detail(status: 400 | 404, code: string, message: string): ApiError {
  return new ApiError({ status, kind: status === 404 ? 'not_found' : 'validation', code, message })
}

/** A voice in ElevenLabs' shape (the fields the SDK and UIs read). */
function voiceJson(v: Voice) {
  return {
    voice_id: v.id,
    name: v.name,
    category: 'premade',
    description: v.description ?? v.name,
    labels: { language: v.language, gender: v.gender, accent: v.language, use_case: 'general' },
    preview_url: null,
    available_for_tiers: [],
    settings: null,
    high_quality_base_model_ids: [],
    verified_languages: [{ language: v.language.split('-')[0], model_id: 'eleven_multilingual_v2', accent: v.language }],
  }
}
