/**
 * `GET /v1/stream`: tts-edge's own streaming protocol, for clients that want raw audio
 * with little overhead. JSON control messages in, binary audio frames out:
 *
 *   client → {"type":"start","voice":"alloy","format":"pcm","sample_rate":24000,"speed":1,"alignment":true}
 *            (format "opus": 48 kHz Opus at bitrate_kbps, default 32, one 20 ms packet per frame)
 *   server → {"type":"started","session_id","request_id","trace_id","format","sample_rate"}
 *   client → {"type":"text","text":"Hello there. How"}   (any number, any split)
 *   client → {"type":"flush"} | {"type":"cancel"} | {"type":"close"}
 *   server → binary frame: 4-byte big-endian sequence number, then audio bytes (for opus: exactly
 *            one Opus packet; the packets of one chunk share its sequence number)
 *            (preceded by {"type":"alignment","seq",...} when alignment is on)
 *   server → {"type":"flushed","last_seq"} | {"type":"cancelled","last_seq"}
 *   server → {"type":"end","last_seq","frames"} then close 1000
 *   server → {"type":"error","code","message"} then close 1008 (bad input), 1003 (binary in), 1011
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import { opusPacketsFormat, parseElevenLabsFormat, type AudioFormatSpec } from '../audio/formats.ts'
import { splitOpusPackets } from '../audio/opus/opus-packet-stream.ts'
import type { AudioFrame } from '../tts/frame-sender.ts'
import { findModel } from '../tts/models.ts'
import type { Retention } from '../tts/speech-service.ts'
import { parseWith } from './request-body.ts'
import { requestedRetention } from './retention.ts'
import { StreamConnection } from './stream-connection.ts'
import { connectionContext, ProtocolError, type ConnectionContext, type StreamDeps } from './stream-context.ts'
import { upgrade } from './websocket.ts'

const ROUTE = '/v1/stream'
const MAX_TEXT = 10_000

export const streamStartSchema = z.strictObject({
  type: z.literal('start'),
  voice: z.string().min(1).max(200),
  format: z.enum(['pcm', 'mulaw', 'alaw', 'mp3', 'opus']).default('pcm'),
  sample_rate: z.number().int().optional(),
  bitrate_kbps: z.number().int().min(6).max(256).optional(),
  speed: z.number().min(0.25).max(4).default(1),
  alignment: z.boolean().default(false),
  /** Keys the cache like a batch request's model (each utterance is cached as one). */
  model: z.string().min(1).max(200).default('tts-edge'),
  api_key: z.string().max(500).optional(),
})

/** `?enable_logging=false`: nothing of the session is cached, and its text is never logged. */
export const streamQuerySchema = z.object({ enable_logging: z.enum(['true', 'false']).optional() })

export const streamMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: z.string().max(MAX_TEXT) }),
  z.strictObject({ type: z.literal('flush') }),
  z.strictObject({ type: z.literal('cancel') }),
  z.strictObject({ type: z.literal('close') }),
])

const DEFAULT_RATE = { pcm: 24000, mulaw: 8000, alaw: 8000, mp3: 44100, opus: 48000 } as const
const DEFAULT_OPUS_KBPS = 32

type StartMessage = z.infer<typeof streamStartSchema>

/** The session's format; Opus is bare packets (no Ogg) at 48 kHz, the only rate a WebRTC decoder takes. */
function sessionFormat(start: StartMessage, rate: number): AudioFormatSpec {
  if (start.format === 'opus') {
    if (rate !== 48000) throw new ProtocolError('unsupported_format', `Opus is sent at 48000 Hz only, not ${rate}.`)
    return opusPacketsFormat(start.bitrate_kbps ?? DEFAULT_OPUS_KBPS)
  }
  if (start.bitrate_kbps !== undefined) throw new ProtocolError('invalid_message', 'bitrate_kbps applies to format "opus" only.')
  const lookup = parseElevenLabsFormat(formatName(start.format, rate))
  if (!lookup.ok) throw new ProtocolError('unsupported_format', `Unsupported format ${start.format} at ${rate} Hz.`)
  return lookup.spec
}

function formatName(format: Exclude<StartMessage['format'], 'opus'>, rate: number): string {
  switch (format) {
    case 'pcm':
      return `pcm_${rate}`
    case 'mulaw':
      return `ulaw_${rate}`
    case 'alaw':
      return `alaw_${rate}`
    case 'mp3':
      return rate === 22050 ? 'mp3_22050_32' : `mp3_${rate}_128`
  }
}

function invalid(error: z.ZodError): ProtocolError {
  const issue = error.issues[0]
  return new ProtocolError('invalid_message', `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`)
}

class TtsEdgeStream extends StreamConnection {
  protected readonly vendor = 'tts-edge' as const
  protected readonly route = ROUTE
  /** Opus: each chunk's length-prefixed packets leave one per frame. */
  #packets = false

  constructor(
    deps: StreamDeps,
    ctx: ConnectionContext,
    private readonly retention: Retention,
  ) {
    super(deps, ctx)
  }

  protected handle(message: unknown): void | Promise<void> {
    if (!this.session) return this.start(message)
    const parsed = streamMessageSchema.safeParse(message)
    if (!parsed.success) throw invalid(parsed.error)
    const session = this.session
    switch (parsed.data.type) {
      case 'text': {
        const text = parsed.data.text
        return this.admitText(text, () => session.text(text))
      }
      case 'flush':
        session.flush()
        this.event('flush')
        void session.idle().then(() => this.sendJson({ type: 'flushed', last_seq: session.lastSeq }))
        return
      case 'cancel': {
        const lastSeq = session.cancel()
        this.event('cancel', { last_seq: lastSeq })
        this.sendJson({ type: 'cancelled', last_seq: lastSeq })
        return
      }
      case 'close':
        void session.finish().then(
          () => this.end({ type: 'end', last_seq: session.lastSeq, frames: session.framesSent }),
          (err: unknown) => this.fail(err),
        )
        return
    }
  }

  private start(message: unknown): void {
    const parsed = streamStartSchema.safeParse(message)
    if (!parsed.success) {
      const type = (message as { type?: unknown } | null)?.type
      if (type !== 'start') throw new ProtocolError('start_required', 'The first message must be {"type":"start","voice":...}.')
      throw invalid(parsed.error)
    }
    const start = parsed.data
    const key = this.ctx.apiKey ?? this.deps.findKey(start.api_key)
    if (!this.ctx.authenticated && !key) {
      throw new ProtocolError('invalid_api_key', 'Missing or invalid API key (Authorization header or start.api_key).')
    }
    if (key) this.useKey(key)
    const voice = this.deps.resolveVoice(start.voice)
    if (!voice) throw new ProtocolError('voice_not_found', `Unknown voice '${start.voice.slice(0, 100)}'. See GET /v1/audio/voices.`)
    const format = sessionFormat(start, start.sample_rate ?? DEFAULT_RATE[start.format])
    this.#packets = format.container === 'opus_packets'
    if (!findModel(start.model)) throw new ProtocolError('model_not_found', `Model '${start.model.slice(0, 100)}' does not exist. See GET /v1/models.`)
    this.startSession({ voice, format, speed: start.speed, model: start.model, alignment: start.alignment, params: {}, retention: this.retention })
    const { traceId } = this.span.spanContext()
    this.sendJson({
      type: 'started',
      session_id: this.sessionId,
      request_id: this.ctx.requestId,
      trace_id: traceId,
      voice: voice.id,
      format: start.format,
      sample_rate: format.sampleRate,
      ...(format.bitrateKbps !== undefined && start.format === 'opus' && { bitrate_kbps: format.bitrateKbps }),
    })
  }

  protected sendFrame(frame: AudioFrame): number {
    const ws = this.ws
    if (!ws) return 0
    if (frame.alignment) {
      ws.send(JSON.stringify({ type: 'alignment', seq: frame.seq, chars: frame.alignment.chars, char_start_ms: frame.alignment.charStartTimesMs, char_duration_ms: frame.alignment.charDurationsMs }))
    }
    if (!this.#packets) return ws.send(withSeq(frame.seq, frame.bytes))
    // The chunk's fate is the worst of its packets': backpressure or drop makes the session wait or count it.
    let result = 1
    for (const packet of splitOpusPackets(frame.bytes)) result = Math.min(result, Math.sign(ws.send(withSeq(frame.seq, packet))))
    return result
  }

  protected errorMessage(err: ProtocolError): string {
    return JSON.stringify({ type: 'error', code: err.code, message: err.message })
  }
}

function withSeq(seq: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.byteLength)
  new DataView(out.buffer).setUint32(0, seq)
  out.set(bytes, 4)
  return out
}

/**
 * @example
 * app.route('/', streamRoutes(deps))
 */
export function streamRoutes(deps: StreamDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get(ROUTE, (c) => {
    const query = parseWith(c, streamQuerySchema, c.req.query(), 'query')
    return upgrade(c, new TtsEdgeStream(deps, connectionContext(c, deps), requestedRetention(query.enable_logging, undefined)))
  })
  return app
}
