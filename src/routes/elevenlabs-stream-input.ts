/**
 * `GET /v1/text-to-speech/{voice_id}/stream-input`: ElevenLabs' stream-input WebSocket.
 *
 *   client → {"text":" ","voice_settings":{...},"generation_config":{"chunk_length_schedule":[120,160,250,290]},"xi-api-key":"..."}
 *   client → {"text":"Hello world. ","try_trigger_generation":true} | {"text":"...","flush":true} | {"text":" "} (keep-alive)
 *   client → {"text":""}  (end of input: remaining text is spoken, then the server closes)
 *   server → {"audio":"<base64>","isFinal":null,"normalizedAlignment":{chars,charStartTimesMs,charDurationsMs},"alignment":{...}}
 *   server → {"isFinal":true} then close 1000
 *   errors → {"message","error","code":1008} then close 1008
 *
 * Query: model_id, output_format (default mp3_44100_128), inactivity_timeout (seconds, default
 * 20, max 180), sync_alignment, auto_mode (true: generate per sentence, ignoring the schedule).
 * Alignment times are milliseconds relative to the start of each audio chunk.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import { parseElevenLabsFormat, type AudioFormatSpec } from '../audio/formats.ts'
import { ApiError } from '../errors.ts'
import type { Voice } from '../tts/engine.ts'
import { findModel } from '../tts/models.ts'
import { QueueFullError, type AudioFrame } from '../tts/stream-session.ts'
import { BufferOverflowError } from '../tts/text-buffer.ts'
import { elevenlabsVoiceSettingsSchema } from './elevenlabs.ts'
import { parseWith } from './request-body.ts'
import { connectionContext, ProtocolError, StreamConnection, type StreamDeps } from './stream-connection.ts'
import { upgrade } from './websocket.ts'

const ROUTE = '/v1/text-to-speech/:voice_id/stream-input'
/** ElevenLabs' documented default. */
export const DEFAULT_CHUNK_LENGTH_SCHEDULE = [120, 160, 250, 290]

export const streamInputQuerySchema = z.object({
  model_id: z.string().max(200).default('eleven_multilingual_v2'),
  output_format: z.string().max(50).default('mp3_44100_128'),
  inactivity_timeout: z.coerce.number().int().min(1).max(180).default(20),
  sync_alignment: z.enum(['true', 'false']).default('false'),
  auto_mode: z.enum(['true', 'false']).default('false'),
  enable_logging: z.enum(['true', 'false']).optional(),
  enable_ssml_parsing: z.enum(['true', 'false']).optional(),
  language_code: z.string().max(20).optional(),
})

export const streamInputMessageSchema = z.object({
  text: z.string().max(10_000),
  try_trigger_generation: z.boolean().nullish(),
  flush: z.boolean().nullish(),
  voice_settings: elevenlabsVoiceSettingsSchema.nullish(),
  generation_config: z.object({ chunk_length_schedule: z.array(z.number().int().min(1).max(5000)).min(1).max(10).nullish() }).nullish(),
  'xi-api-key': z.string().max(500).nullish(),
  authorization: z.string().max(600).nullish(),
})

interface Setup {
  voice: Voice | undefined
  voiceId: string
  format: AudioFormatSpec
  autoMode: boolean
  inactivitySeconds: number
}

class StreamInput extends StreamConnection {
  protected readonly vendor = 'elevenlabs' as const
  protected readonly route = ROUTE

  constructor(
    deps: StreamDeps,
    ctx: ReturnType<typeof connectionContext>,
    private readonly setup: Setup,
  ) {
    super(deps, ctx)
  }

  override open(ws: Parameters<StreamConnection['open']>[0]): void {
    super.open(ws)
    this.setIdleTimeout(this.setup.inactivitySeconds)
    // An unknown voice is reported in the protocol, as ElevenLabs does, not as an HTTP error.
    if (!this.setup.voice) this.fail(new ProtocolError('voice_not_found', `A voice with voice_id '${this.setup.voiceId.slice(0, 100)}' was not found.`))
  }

  protected handle(message: unknown): void {
    const parsed = streamInputMessageSchema.safeParse(message)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new ProtocolError('invalid_message', `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`)
    }
    const msg = parsed.data
    if (!this.session) return this.begin(msg)
    try {
      if (msg.text === '') {
        const session = this.session
        void session.finish().then(() => this.end({ isFinal: true }))
        return
      }
      this.session.text(msg.text)
      if (msg.flush) {
        this.session.flush()
        this.event('flush')
      } else if (msg.try_trigger_generation) {
        this.session.trigger()
      }
    } catch (err) {
      if (err instanceof QueueFullError || err instanceof BufferOverflowError) throw new ProtocolError('too_much_text', err.message)
      throw err
    }
  }

  /** The opening message: settings, schedule, and (without a header) the API key. */
  private begin(msg: z.infer<typeof streamInputMessageSchema>): void {
    const key = msg['xi-api-key'] ?? msg.authorization?.replace(/^Bearer\s+/i, '') ?? undefined
    if (!this.ctx.authenticated && !this.deps.apiKeyValid(key)) throw new ProtocolError('invalid_api_key', 'Missing or invalid xi-api-key.')
    const schedule = this.setup.autoMode ? undefined : (msg.generation_config?.chunk_length_schedule ?? DEFAULT_CHUNK_LENGTH_SCHEDULE)
    this.startSession({
      voice: this.setup.voice!,
      format: this.setup.format,
      speed: msg.voice_settings?.speed ?? 1,
      alignment: true,
      ...(schedule && { chunkLengthSchedule: schedule }),
    })
    if (msg.text.trim()) this.session!.text(msg.text)
  }

  protected sendFrame(frame: AudioFrame): number {
    const alignment = frame.alignment ?? null
    return this.ws?.send(
      JSON.stringify({ audio: Buffer.from(frame.bytes).toString('base64'), isFinal: null, normalizedAlignment: alignment, alignment }),
    ) ?? 0
  }

  protected errorMessage(err: ProtocolError): string {
    return JSON.stringify({ message: err.message, error: err.code, code: err.closeCode })
  }
}

/**
 * @example
 * app.route('/', elevenlabsStreamInputRoutes(deps))
 */
export function elevenlabsStreamInputRoutes(deps: StreamDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get(ROUTE, (c) => {
    // Query problems are answered before the upgrade, in ElevenLabs' HTTP error shape.
    const query = parseWith(c, streamInputQuerySchema, c.req.query(), 'query')
    const lookup = parseElevenLabsFormat(query.output_format)
    if (!lookup.ok) throw badRequest(lookup.message)
    if (!findModel(query.model_id)) throw badRequest(`Model '${query.model_id.slice(0, 100)}' does not exist.`)
    const voiceId = c.req.param('voice_id')
    return upgrade(
      c,
      new StreamInput(deps, connectionContext(c, deps), {
        voice: deps.resolveVoice(voiceId),
        voiceId,
        format: lookup.spec,
        autoMode: query.auto_mode === 'true',
        inactivitySeconds: query.inactivity_timeout,
      }),
    )
  })
  return app
}

function badRequest(message: string): ApiError {
  return new ApiError({ status: 400, kind: 'validation', code: 'invalid_request', message })
}
