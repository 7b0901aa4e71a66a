/**
 * The OpenAPI 3.1 document, generated from the zod schemas that validate requests, so the
 * docs and the validation cannot drift apart. WebSocket endpoints are listed as GET
 * upgrades with their protocol in the description (docs/api.md has the full reference).
 */
import { z } from 'zod'
import { streamInputQuerySchema } from './elevenlabs-socket.ts'
import { statsQuery } from './elevenlabs-usage.ts'
import { dictionaryPaths } from './openapi-dictionaries.ts'
import { usageQuery } from './openai-usage.ts'
import { elevenlabsQuerySchema, elevenlabsSpeechSchema } from './elevenlabs.ts'
import { openaiSpeechSchema } from './openai.ts'
import { streamStartSchema } from './stream.ts'

type Json = Record<string, unknown>

const schema = (s: z.ZodType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Json
  return rest
}

/** Query parameters from a zod object, one OpenAPI parameter per property. */
function queryParameters(s: z.ZodObject): Json[] {
  const json = schema(s) as { properties?: Record<string, Json>; required?: string[] }
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: property,
  }))
}

const openaiError = { $ref: '#/components/schemas/OpenAIError' }
const elevenError = { $ref: '#/components/schemas/ElevenLabsError' }
const errors = (ref: Json, statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: `Error (${s})`, content: { 'application/json': { schema: ref } } }]))
const voiceId = { name: 'voice_id', in: 'path', required: true, schema: { type: 'string' }, example: 'en-us-f1' }
const characterCost = {
  'character-cost': { description: 'Characters this request is billed (0 for a cache hit or a shared synthesis)', schema: { type: 'integer' } },
}
const audio = (types: string[]) => ({
  description: 'The audio, streamed as it is synthesised.',
  headers: characterCost,
  content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
})
const websocket = (summary: string, description: string, parameters: Json[] = []) => ({
  get: {
    summary,
    description: `${description}\n\nConnect with a WebSocket client (\`Upgrade: websocket\`); a plain GET answers 426. See "Streaming over WebSocket" in docs/api.md of the tts-edge repository.`,
    tags: ['Streaming (WebSocket)'],
    parameters,
    responses: { '101': { description: 'Switching Protocols' }, '426': { description: 'Not a WebSocket upgrade' } },
  },
})

const elevenlabsSpeech = (summary: string, response: Json) => ({
  post: {
    summary,
    tags: ['ElevenLabs-compatible'],
    security: [{ xiApiKey: [] }, {}],
    parameters: [voiceId, ...queryParameters(elevenlabsQuerySchema)],
    requestBody: { required: true, content: { 'application/json': { schema: schema(elevenlabsSpeechSchema) } } },
    responses: { '200': response, ...errors(elevenError, [400, 401, 403, 404, 413, 415, 422, 429, 503]) },
  },
})

const alignment = {
  type: 'object',
  properties: {
    characters: { type: 'array', items: { type: 'string' } },
    character_start_times_seconds: { type: 'array', items: { type: 'number' } },
    character_end_times_seconds: { type: 'array', items: { type: 'number' } },
  },
}
const timedAudio = {
  type: 'object',
  properties: { audio_base64: { type: 'string' }, alignment, normalized_alignment: alignment },
}

/**
 * @example
 * app.get('/openapi.json', (c) => c.json(openApiDocument('0.1.0')))
 */
export function openApiDocument(version: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'tts-edge',
      version,
      description:
        'Text-to-speech at the edge: OpenAI- and ElevenLabs-compatible HTTP APIs and WebSocket streaming. Every response carries `X-Request-Id`, and `traceresponse` to find its trace while tracing is on.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'OpenAI-compatible' },
      { name: 'ElevenLabs-compatible' },
      { name: 'Streaming (WebSocket)' },
      { name: 'Usage' },
      { name: 'Pronunciation dictionaries' },
      { name: 'Operations' },
    ],
    paths: {
      '/v1/audio/speech': {
        post: {
          summary: 'Create speech (OpenAI)',
          tags: ['OpenAI-compatible'],
          security: [{ bearerAuth: [] }, {}],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schema(openaiSpeechSchema), example: { model: 'tts-1', voice: 'alloy', input: 'Hello from the edge.', response_format: 'wav' } } },
          },
          responses: {
            '200': audio(['audio/mpeg', 'audio/ogg', 'audio/aac', 'audio/wav', 'audio/pcm', 'audio/flac', 'text/event-stream']),
            ...errors(openaiError, [400, 401, 403, 404, 413, 429, 503]),
          },
        },
      },
      '/v1/audio/voices': { get: { summary: 'List voices', tags: ['OpenAI-compatible'], responses: { '200': { description: '`{"voices":[{id,name,language,gender}]}`' } } } },
      '/v1/models': { get: { summary: 'List models (OpenAI list shape; an array for the ElevenLabs SDK)', tags: ['OpenAI-compatible', 'ElevenLabs-compatible'], responses: { '200': { description: 'Models' } } } },
      '/v1/text-to-speech/{voice_id}': elevenlabsSpeech('Text to speech (ElevenLabs)', audio(['audio/mpeg', 'audio/ogg', 'audio/pcm', 'audio/basic', 'audio/x-alaw-basic', 'audio/wav'])),
      '/v1/text-to-speech/{voice_id}/stream': elevenlabsSpeech('Text to speech, streamed (ElevenLabs)', audio(['audio/mpeg', 'audio/ogg', 'audio/pcm', 'audio/basic', 'audio/x-alaw-basic', 'audio/wav'])),
      '/v1/text-to-speech/{voice_id}/with-timestamps': elevenlabsSpeech('Text to speech with character timing', {
        description: 'Audio (base64) with its alignment',
        content: { 'application/json': { schema: timedAudio } },
      }),
      '/v1/text-to-speech/{voice_id}/stream/with-timestamps': elevenlabsSpeech('Streamed text to speech with timing (one JSON object per line)', {
        description: 'Newline-delimited JSON chunks',
        content: { 'application/x-ndjson': { schema: timedAudio } },
      }),
      '/v1/voices': { get: { summary: 'List voices (ElevenLabs shape); with a key, the voices it may use', tags: ['ElevenLabs-compatible'], responses: { '200': { description: '`{"voices":[{voice_id,name,labels,...}]}`' } } } },
      '/v1/voices/{voice_id}': {
        get: { summary: 'One voice (ElevenLabs shape); a voice the calling key may not use is a 404', tags: ['ElevenLabs-compatible'], parameters: [voiceId], responses: { '200': { description: 'The voice' }, ...errors(elevenError, [404]) } },
      },
      '/v1/stream': websocket(
        'tts-edge streaming protocol',
        `JSON control messages in, binary audio frames out (4-byte big-endian sequence number, then audio; with format opus, exactly one 20 ms Opus packet). First message: ${JSON.stringify(schema(streamStartSchema))}. Then {"type":"text","text"}, {"type":"flush"}, {"type":"cancel"}, {"type":"close"}.`,
      ),
      '/v1/text-to-speech/{voice_id}/stream-input': websocket(
        "ElevenLabs' stream-input protocol",
        'Opening message {"text":" ",voice_settings,generation_config,"xi-api-key"}, then {"text","try_trigger_generation","flush"}, and {"text":""} to finish. Server: {"audio","isFinal","normalizedAlignment","alignment"}, then {"isFinal":true}.',
        [voiceId, ...queryParameters(streamInputQuerySchema)],
      ),
      '/v1/text-to-speech/{voice_id}/multi-stream-input': websocket(
        "ElevenLabs' multi-context protocol",
        'As stream-input, with a context_id on every message, {"context_id","close_context":true} and {"close_socket":true}.',
        [voiceId, ...queryParameters(streamInputQuerySchema)],
      ),
      '/v1/user/subscription': {
        get: {
          summary: "The calling key's month (ElevenLabs subscription shape)",
          description: 'character_count (characters requested this month), character_limit (the key\'s character budget), next_character_count_reset_unix; ours under tts_edge (key_id, usd_this_month, usd_limit).',
          tags: ['Usage'],
          security: [{ xiApiKey: [] }, {}],
          responses: { '200': { description: 'Subscription' }, ...errors(elevenError, [401, 503]) },
        },
      },
      '/v1/user': {
        get: {
          summary: 'The calling key (ElevenLabs user shape)',
          description: 'user_id (the key id), first_name (its name), and the same subscription as /v1/user/subscription inside.',
          tags: ['Usage'],
          security: [{ xiApiKey: [] }, {}],
          responses: { '200': { description: 'User' }, ...errors(elevenError, [401, 503]) },
        },
      },
      '/v1/usage/character-stats': {
        get: {
          summary: 'Usage over time (ElevenLabs character stats shape)',
          description: '{time: [bucket start, ms], usage: {<series>: [values]}}; a key sees its own usage, the admin key every key\'s. Buckets are UTC days at the finest.',
          tags: ['Usage'],
          security: [{ xiApiKey: [] }, {}],
          parameters: queryParameters(statsQuery),
          responses: { '200': { description: 'Usage' }, ...errors(elevenError, [401, 403, 422, 503]) },
        },
      },
      '/v1/organization/usage/audio_speeches': {
        get: {
          summary: 'Speech usage for the admin key (OpenAI Usage API shape)',
          description: 'Daily buckets of {characters, num_model_requests, api_key_id, model, billed_characters, audio_seconds, cost_usd}, paged with next_page. Arrays (group_by, api_key_ids, models) as `a,b`, repeated, or `name[]=`.',
          tags: ['Usage'],
          security: [{ bearerAuth: [] }],
          parameters: queryParameters(usageQuery),
          responses: { '200': { description: 'A page of buckets' }, ...errors(openaiError, [400, 401, 503]) },
        },
      },
      ...dictionaryPaths({ schema, queryParameters, errors: (statuses) => errors(elevenError, statuses) }),
      '/healthz': { get: { summary: 'Liveness', tags: ['Operations'], responses: { '200': { description: 'Alive' } } } },
      '/readyz': { get: { summary: 'Readiness (engine warmed, cache writable)', tags: ['Operations'], responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics (OpenMetrics, with exemplars)', tags: ['Operations'], responses: { '200': { description: 'Metrics' } } } },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'When API keys are configured (TTS_API_KEYS, TTS_KEYS_FILE); the admin key (TTS_ADMIN_KEY) for organization usage' },
        xiApiKey: { type: 'apiKey', in: 'header', name: 'xi-api-key', description: 'When API keys are configured (TTS_API_KEYS, TTS_KEYS_FILE)' },
      },
      schemas: {
        OpenAIError: {
          type: 'object',
          properties: { error: { type: 'object', properties: { message: { type: 'string' }, type: { type: 'string' }, param: { type: ['string', 'null'] }, code: { type: 'string' } } } },
        },
        ElevenLabsError: {
          oneOf: [
            { type: 'object', properties: { detail: { type: 'object', properties: { status: { type: 'string' }, message: { type: 'string' } } } } },
            { type: 'object', properties: { detail: { type: 'array', items: { type: 'object', properties: { loc: { type: 'array' }, msg: { type: 'string' }, type: { type: 'string' } } } } } },
          ],
        },
      },
    },
  }
}
