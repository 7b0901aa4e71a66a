/**
 * `GET /v1/text-to-speech/{voice_id}/multi-stream-input`: ElevenLabs' multi-context
 * WebSocket. Several independent contexts share one socket (a voice agent keeps one per
 * turn and abandons the interrupted one):
 *
 *   client → {"text":" ","context_id":"a","voice_settings":{...},"generation_config":{...}}  (opens "a")
 *   client → {"text":"Hello. ","context_id":"a"} | {"context_id":"a","flush":true}
 *   client → {"context_id":"a","close_context":true}   (barge-in: its audio stops, queued work is dropped)
 *   client → {"close_socket":true}                      (every context is spoken to the end, then close 1000)
 *   server → {"audio","isFinal":null,"normalizedAlignment","alignment","contextId":"a"}
 *   server → {"isFinal":true,"contextId":"a"} when a context is closed or finished
 *
 * At most `maxContexts` contexts may be open at once; one more is a protocol error (1008).
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import { parseElevenLabsFormat, type AudioFormatSpec } from '../audio/formats.ts'
import { ApiError } from '../errors.ts'
import type { Voice } from '../tts/engine.ts'
import { findModel } from '../tts/models.ts'
import { QueueFullError, type AudioFrame, type StreamSession } from '../tts/stream-session.ts'
import { BufferOverflowError } from '../tts/text-buffer.ts'
import { DEFAULT_CHUNK_LENGTH_SCHEDULE, streamInputMessageSchema, streamInputQuerySchema } from './elevenlabs-stream-input.ts'
import { parseWith } from './request-body.ts'
import { connectionContext, ProtocolError, StreamConnection, type StreamDeps } from './stream-connection.ts'
import { upgrade } from './websocket.ts'

const ROUTE = '/v1/text-to-speech/:voice_id/multi-stream-input'

export const multiStreamMessageSchema = streamInputMessageSchema.extend({
  text: z.string().max(10_000).optional(),
  context_id: z.string().min(1).max(100).regex(/^[\w.:-]+$/).optional(),
  close_context: z.boolean().nullish(),
  close_socket: z.boolean().nullish(),
})

interface Setup {
  voice: Voice | undefined
  voiceId: string
  format: AudioFormatSpec
  autoMode: boolean
  inactivitySeconds: number
  maxContexts: number
}

class MultiStreamInput extends StreamConnection {
  protected readonly vendor = 'elevenlabs' as const
  protected readonly route = ROUTE
  readonly #contexts = new Map<string, StreamSession>()

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
    if (!this.setup.voice) this.fail(new ProtocolError('voice_not_found', `A voice with voice_id '${this.setup.voiceId.slice(0, 100)}' was not found.`))
  }

  protected handle(message: unknown): void | Promise<void> {
    const parsed = multiStreamMessageSchema.safeParse(message)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new ProtocolError('invalid_message', `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`)
    }
    const msg = parsed.data
    if (msg.close_socket) return this.#closeSocket()
    const id = msg.context_id ?? 'default'
    let session = this.#contexts.get(id)
    if (msg.close_context) {
      if (!session) throw new ProtocolError('context_not_found', `No open context '${id}'.`)
      const lastSeq = session.cancel()
      this.event('close_context', { context_id: id, last_seq: lastSeq })
      this.#contexts.delete(id)
      this.sendJson({ isFinal: true, contextId: id })
      return
    }
    try {
      if (!session) {
        session = this.#open(id, msg)
        if (msg.text?.trim()) session.text(msg.text)
        return
      }
      if (msg.text) session.text(msg.text)
      if (msg.flush) {
        session.flush()
        this.event('flush', { context_id: id })
      } else if (msg.try_trigger_generation) {
        session.trigger()
      }
    } catch (err) {
      if (err instanceof QueueFullError || err instanceof BufferOverflowError) throw new ProtocolError('too_much_text', err.message)
      throw err
    }
  }

  #open(id: string, msg: z.infer<typeof multiStreamMessageSchema>): StreamSession {
    if (this.#contexts.size >= this.setup.maxContexts) {
      throw new ProtocolError('too_many_contexts', `At most ${this.setup.maxContexts} contexts may be open on one socket.`)
    }
    if (this.#contexts.size === 0 && this.sessions.size === 0) {
      const key = msg['xi-api-key'] ?? msg.authorization?.replace(/^Bearer\s+/i, '') ?? undefined
      if (!this.ctx.authenticated && !this.deps.apiKeyValid(key)) throw new ProtocolError('invalid_api_key', 'Missing or invalid xi-api-key.')
    }
    const schedule = this.setup.autoMode ? undefined : (msg.generation_config?.chunk_length_schedule ?? DEFAULT_CHUNK_LENGTH_SCHEDULE)
    const session = this.createSession(
      { voice: this.setup.voice!, format: this.setup.format, speed: msg.voice_settings?.speed ?? 1, alignment: true, ...(schedule && { chunkLengthSchedule: schedule }) },
      (frame) => this.#sendFrame(frame, id),
    )
    this.#contexts.set(id, session)
    return session
  }

  async #closeSocket(): Promise<void> {
    const open = [...this.#contexts]
    this.#contexts.clear()
    await Promise.all(
      open.map(async ([id, session]) => {
        await session.finish()
        this.sendJson({ isFinal: true, contextId: id })
      }),
    )
    this.end()
  }

  #sendFrame(frame: AudioFrame, contextId: string): number {
    const alignment = frame.alignment ?? null
    return this.ws?.send(
      JSON.stringify({ audio: Buffer.from(frame.bytes).toString('base64'), isFinal: null, normalizedAlignment: alignment, alignment, contextId }),
    ) ?? 0
  }

  protected sendFrame(): number {
    return 0 // every frame belongs to a context: see #sendFrame
  }

  protected errorMessage(err: ProtocolError): string {
    return JSON.stringify({ message: err.message, error: err.code, code: err.closeCode })
  }
}

/**
 * @example
 * app.route('/', elevenlabsMultiStreamInputRoutes(deps, { maxContexts: 5 }))
 */
export function elevenlabsMultiStreamInputRoutes(deps: StreamDeps, options: { maxContexts: number }): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get(ROUTE, (c) => {
    const query = parseWith(c, streamInputQuerySchema, c.req.query(), 'query')
    const lookup = parseElevenLabsFormat(query.output_format)
    if (!lookup.ok) throw new ApiError({ status: 400, kind: 'validation', code: 'invalid_request', message: lookup.message })
    if (!findModel(query.model_id)) {
      throw new ApiError({ status: 400, kind: 'validation', code: 'invalid_request', message: `Model '${query.model_id.slice(0, 100)}' does not exist.` })
    }
    const voiceId = c.req.param('voice_id')
    return upgrade(
      c,
      new MultiStreamInput(deps, connectionContext(c, deps), {
        voice: deps.resolveVoice(voiceId),
        voiceId,
        format: lookup.spec,
        autoMode: query.auto_mode === 'true',
        inactivitySeconds: query.inactivity_timeout,
        maxContexts: options.maxContexts,
      }),
    )
  })
  return app
}
