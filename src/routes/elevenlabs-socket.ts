/**
 * What ElevenLabs' two WebSocket protocols (stream-input and multi-stream-input) share:
 * the query parameters (checked before the upgrade), the message schema, the opening
 * handshake (API key in the first message, voice settings, chunk length schedule), the
 * audio message and the error message.
 */
import type { Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import { opusPacketsFormat, parseElevenLabsFormat, type AudioFormatSpec } from '../audio/formats.ts'
import { OggOpusMuxer } from '../audio/opus/ogg-opus-muxer.ts'
import { OPUS_PRE_SKIP } from '../audio/opus/opus-constants.ts'
import { splitOpusPackets } from '../audio/opus/opus-packet-stream.ts'
import { ApiError } from '../errors.ts'
import type { Voice } from '../tts/engine.ts'
import { findModel } from '../tts/models.ts'
import type { AudioFrame } from '../tts/frame-sender.ts'
import type { VoiceParams } from '../tts/params/voice-params.ts'
import type { Retention } from '../tts/speech-service.ts'
import { elevenlabsParams, elevenlabsVoiceSettingsSchema, locatorsSchema, socketQueryParams } from './elevenlabs-params.ts'
import { parseWith } from './request-body.ts'
import { requestedRetention } from './retention.ts'
import { StreamConnection } from './stream-connection.ts'
import { ProtocolError, type ConnectionContext, type SessionSetup, type StreamDeps } from './stream-context.ts'

/** Ogg streams a socket keeps (one per context); TTS_WS_MAX_CONTEXTS bounds the open ones far below. */
const MAX_OGG_STREAMS = 32

/** ElevenLabs' documented default. */
export const DEFAULT_CHUNK_LENGTH_SCHEDULE = [120, 160, 250, 290]

export const streamInputQuerySchema = z.object({
  model_id: z.string().max(200).default('eleven_multilingual_v2'),
  output_format: z.string().max(50).default('mp3_44100_128'),
  inactivity_timeout: z.coerce.number().int().min(1).max(180).default(20),
  sync_alignment: z.enum(['true', 'false']).default('false'),
  auto_mode: z.enum(['true', 'false']).default('false'),
  enable_logging: z.enum(['true', 'false']).optional(),
  ...socketQueryParams,
})

export const streamInputMessageSchema = z.object({
  text: z.string().max(10_000),
  try_trigger_generation: z.boolean().nullish(),
  flush: z.boolean().nullish(),
  voice_settings: elevenlabsVoiceSettingsSchema.nullish(),
  generation_config: z.object({ chunk_length_schedule: z.array(z.number().int().min(1).max(5000)).min(1).max(10).nullish() }).nullish(),
  pronunciation_dictionary_locators: locatorsSchema.nullish(),
  'xi-api-key': z.string().max(500).nullish(),
  authorization: z.string().max(600).nullish(),
})

type OpeningMessage = Partial<Pick<z.infer<typeof streamInputMessageSchema>, 'voice_settings' | 'generation_config' | 'pronunciation_dictionary_locators' | 'xi-api-key' | 'authorization'>>

export interface SocketSetup {
  voice: Voice | undefined
  voiceId: string
  /** What the engine workers produce: for `opus_48000_*`, bare packets this socket puts into Ogg. */
  format: AudioFormatSpec
  /** Opus in Ogg: one Ogg stream per session (or context) across its pieces of text. */
  oggOpus: boolean
  autoMode: boolean
  inactivitySeconds: number
  model: string
  /** The query's voice parameters; each session (context) adds its opening message's. */
  params: VoiceParams
  /** `none` with `enable_logging=false`: nothing of the session is cached or logged. */
  retention: Retention
}

/**
 * Validates the query before the upgrade: problems are HTTP errors in ElevenLabs' shape.
 *
 * @example
 * const setup = readSocketSetup(c, deps)
 */
export function readSocketSetup(c: Context<AppEnv>, deps: StreamDeps): SocketSetup {
  const query = parseWith(c, streamInputQuerySchema, c.req.query(), 'query')
  const badRequest = (message: string) => new ApiError({ status: 400, kind: 'validation', code: 'invalid_request', message })
  const lookup = parseElevenLabsFormat(query.output_format)
  if (!lookup.ok) throw badRequest(lookup.message)
  if (!findModel(query.model_id)) throw badRequest(`Model '${query.model_id.slice(0, 100)}' does not exist.`)
  const voiceId = c.req.param('voice_id') ?? ''
  const oggOpus = lookup.spec.container === 'opus'
  return {
    voice: deps.resolveVoice(voiceId),
    voiceId,
    format: oggOpus ? opusPacketsFormat(lookup.spec.bitrateKbps ?? 32) : lookup.spec,
    oggOpus,
    autoMode: query.auto_mode === 'true',
    inactivitySeconds: query.inactivity_timeout,
    model: query.model_id,
    params: elevenlabsParams(query),
    retention: requestedRetention(query.enable_logging, undefined),
  }
}

export abstract class ElevenLabsSocket extends StreamConnection {
  protected readonly vendor = 'elevenlabs' as const
  /** Once a message carried a valid key, the socket is authenticated (later contexts need none). */
  #keyAccepted = false
  /** With `oggOpus`: the Ogg stream of each context ('' for stream-input's one session). */
  readonly #ogg = new Map<string, OggOpusMuxer>()

  constructor(
    deps: StreamDeps,
    ctx: ConnectionContext,
    protected readonly setup: SocketSetup,
  ) {
    super(deps, ctx)
  }

  override open(ws: Parameters<StreamConnection['open']>[0]): void {
    super.open(ws)
    this.setIdleTimeout(this.setup.inactivitySeconds)
    // An unknown voice is reported in the protocol, as ElevenLabs does, not as an HTTP error.
    if (!this.setup.voice) this.fail(new ProtocolError('voice_not_found', `A voice with voice_id '${this.setup.voiceId.slice(0, 100)}' was not found.`))
  }

  /** Checks the key of an opening message (when the upgrade carried none) and returns the session's settings. */
  protected openingSetup(msg: OpeningMessage): SessionSetup {
    const presented = msg['xi-api-key'] ?? msg.authorization?.replace(/^Bearer\s+/i, '') ?? undefined
    const key = this.apiKey ?? this.deps.findKey(presented)
    if (!this.ctx.authenticated && !this.#keyAccepted && !key) {
      throw new ProtocolError('invalid_api_key', 'Missing or invalid xi-api-key.')
    }
    this.#keyAccepted = true
    if (key) this.useKey(key)
    const schedule = this.setup.autoMode ? undefined : (msg.generation_config?.chunk_length_schedule ?? DEFAULT_CHUNK_LENGTH_SCHEDULE)
    const opening = elevenlabsParams({
      voice_settings: msg.voice_settings,
      pronunciation_dictionary_locators: msg.pronunciation_dictionary_locators,
      chunk_length_schedule: msg.generation_config?.chunk_length_schedule,
    })
    return {
      voice: this.setup.voice!,
      format: this.setup.format,
      speed: msg.voice_settings?.speed ?? 1,
      model: this.setup.model,
      alignment: true,
      params: { ...this.setup.params, ...opening },
      retention: this.setup.retention,
      ...(schedule && { chunkLengthSchedule: schedule }),
    }
  }

  /** `{"audio","isFinal":null,"normalizedAlignment","alignment",...extra}`; alignment times are chunk-relative ms. */
  protected sendAudioMessage(frame: AudioFrame, extra: Record<string, string> = {}): number {
    const alignment = frame.alignment ?? null
    const bytes = this.setup.oggOpus ? this.#oggPages(frame.bytes, extra.contextId ?? '') : frame.bytes
    const message = { audio: Buffer.from(bytes).toString('base64'), isFinal: null, normalizedAlignment: alignment, alignment, ...extra }
    return this.ws?.send(JSON.stringify(message)) ?? 0
  }

  protected errorMessage(err: ProtocolError): string {
    return JSON.stringify({ message: err.message, error: err.code, code: err.closeCode })
  }

  /**
   * Each piece of text is encoded on its own (in a worker); its packets continue one Ogg stream
   * per context, so a client appending the audio gets a single playable file. The stream has no
   * end-of-stream page: the session decides when it is over, after the last audio has left.
   */
  #oggPages(packets: Uint8Array, context: string): Uint8Array {
    let ogg = this.#ogg.get(context)
    if (!ogg) {
      // Closed contexts are not reported here: keep the newest few (far more than may be open at once).
      if (this.#ogg.size >= MAX_OGG_STREAMS) this.#ogg.delete(this.#ogg.keys().next().value!)
      this.#ogg.set(context, (ogg = new OggOpusMuxer(OPUS_PRE_SKIP)))
    }
    return ogg.pages(splitOpusPackets(packets))
  }
}
