/**
 * OpenAI-compatible speech: `POST /v1/audio/speech`, `GET /v1/audio/voices`.
 * Wire contract in docs/api.md; the official `openai` SDK must work unmodified.
 */
import { Hono } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { parseOpenAIFormat } from '../audio/formats.ts'
import { ApiError } from '../errors.ts'
import { openaiMarkup } from '../markup/markup-detect.ts'
import { MarkupError } from '../markup/markup-error.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import type { Voice } from '../tts/engine.ts'
import { findModel } from '../tts/models.ts'
import type { SpeechService } from '../tts/speech-service.ts'
import { normaliseText } from '../tts/text.ts'
import { audioResponse } from './audio-response.ts'
import { ignoredHeader } from './ignored-header.ts'
import { readJsonBody } from './request-body.ts'
import { OPENAI_SPEECH_FIELDS, parseOpenAISpeech } from './openai-speech-body.ts'
import { requestedRetention, retentionOf, textLogFields } from './retention.ts'
import { unknownVoicePart } from '../tts/voice-mix.ts'

export { openaiSpeechSchema } from './openai-speech-body.ts'

export interface OpenAIRoutesDeps {
  speech: SpeechService
  resolveVoice: (nameOrId: string) => Voice | undefined
  voices: () => readonly Voice[]
  maxInputChars: number
  logText: boolean
  /** TTS_CACHE_SKIP_PATTERN: matching texts are never cached. */
  cacheSkipPattern?: RegExp
  metrics?: Metrics
}

const ROUTE = '/v1/audio/speech'
const encoder = new TextEncoder()

/**
 * @example
 * app.route('/', openaiRoutes({ speech, resolveVoice, voices, maxInputChars: 4096, logText: false }))
 */
export function openaiRoutes(deps: OpenAIRoutesDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.post(ROUTE, async (c) => {
    const started = performance.now()
    const body = parseOpenAISpeech(c, await readJsonBody(c))
    const extra = extraFields(body)
    const text = normaliseText(body.input)
    if (!text) throw invalid('input', 'input must contain text to speak.')
    if (text.length > deps.maxInputChars) {
      throw invalid('input', `input is ${text.length} characters; the limit is ${deps.maxInputChars}.`, 'string_above_max_length')
    }
    if (!findModel(body.model)) {
      throw new ApiError({
        status: 404,
        kind: 'not_found',
        code: 'model_not_found',
        param: 'model',
        message: `The model '${body.model.slice(0, 100)}' does not exist. See GET /v1/models.`,
      })
    }
    const voiceName = typeof body.voice === 'string' ? body.voice : body.voice.id
    const voice = deps.resolveVoice(voiceName)
    if (!voice) {
      const part = unknownVoicePart(voiceName, deps.resolveVoice)
      throw invalid('voice', part ? `Unknown voice '${part}' in the mix '${voiceName.slice(0, 200)}'. Every part of a mix must be a voice of its engine; see GET /v1/audio/voices.` : `Unknown voice '${voiceName.slice(0, 100)}'. See GET /v1/audio/voices.`, 'voice_not_found')
    }
    const lookup = parseOpenAIFormat(body.response_format)
    if (!lookup.ok) throw invalid('response_format', lookup.message, 'unsupported_format')
    const format = lookup.spec
    // Admitted once the request is known to be valid: a rejected one costs the key nothing.
    await c.get('usage')?.admit({ chars: text.length, voice, model: body.model })
    c.get('span').setAttributes({
      'tts.voice': voice.id,
      'tts.language': voice.language,
      'tts.gender': voice.gender,
      'tts.format': body.response_format,
      'tts.characters': text.length,
    })
    const retention = retentionOf(text, requestedRetention(undefined, c.req.header('cache-control')), deps.cacheSkipPattern)
    Object.assign(c.get('logFields'), textLogFields(text, { logText: deps.logText, retention }), {
      voice: voice.id,
      format: body.response_format,
      model: body.model,
      stream_format: body.stream_format,
    })
    const result = await deps.speech.speak({
      text,
      // SSML (input starting with <speak) and markdown are read from the input as sent.
      source: body.input,
      markup: openaiMarkup(body.input),
      voice,
      format,
      speed: body.speed,
      model: body.model,
      params: { ...(body.instructions && { instructions: body.instructions }), ...(extra && { extra }) },
      retention,
      signal: c.req.raw.signal,
    }).catch((err: unknown) => {
      // OpenAI names the field `input`.
      throw err instanceof MarkupError ? new ApiError({ status: 400, kind: 'validation', code: 'invalid_ssml', param: 'input', message: err.message }) : err
    })
    c.get('logFields').cache = result.cacheResult
    c.get('span').setAttribute('tts.cache.result', result.cacheResult)
    const headers = ignoredHeader(c, result.ignored)
    if (body.stream_format === 'sse') {
      return audioResponse(c, result, {
        metrics: deps.metrics,
        route: ROUTE,
        started,
        contentType: 'text/event-stream',
        headers: { 'cache-control': 'no-cache', ...headers },
        frame: (bytes) => sse({ type: 'speech.audio.delta', audio: Buffer.from(bytes).toString('base64') }),
        trailer: () => sse({ type: 'speech.audio.done', usage: usage(text) }),
      })
    }
    return audioResponse(c, result, { metrics: deps.metrics, route: ROUTE, started, headers })
  })

  app.get('/v1/audio/voices', (c) =>
    c.json({
      voices: deps.voices().map((v) => ({ id: v.id, name: v.name, language: v.language, gender: v.gender })),
    }),
  )

  return app
}

const MAX_EXTRA_FIELDS = 32

/**
 * Body fields outside OpenAI's schema, as sent: an engine forwards those its `pass_through`
 * lists (Kokoro-FastAPI's `lang_code`, ...); the others are ignored and named, never an error.
 */
function extraFields(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const names = Object.keys(body).filter((name) => !OPENAI_SPEECH_FIELDS.has(name))
  if (names.length === 0) return undefined
  if (names.length > MAX_EXTRA_FIELDS) throw invalid(names[MAX_EXTRA_FIELDS]!.slice(0, 64), `At most ${MAX_EXTRA_FIELDS} fields beyond OpenAI's own may be sent.`)
  const bad = names.find((name) => !/^[A-Za-z_][\w.-]{0,63}$/.test(name))
  if (bad !== undefined) throw invalid(bad.slice(0, 64), `'${bad.slice(0, 64)}' is not a field name this API takes (letters, digits, _ . -, at most 64).`, 'unknown_parameter')
  return Object.fromEntries(names.map((name) => [name, body[name]]))
}

function invalid(param: string, message: string, code = 'invalid_value'): ApiError {
  return new ApiError({ status: 400, kind: 'validation', code, param, message })
}

function sse(event: unknown): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(event)}\n\n`)
}

// OpenAI reports token usage; we have no tokenizer, so we report the same rough
// 4-characters-per-token estimate their docs use, and no output tokens.
function usage(text: string) {
  const input = Math.ceil(text.length / 4)
  return { input_tokens: input, output_tokens: 0, total_tokens: input }
}
