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
import type { AudioFrame } from '../tts/frame-sender.ts'
import type { StreamSession } from '../tts/stream-session.ts'
import { ElevenLabsSocket, readSocketSetup, streamInputMessageSchema, type SocketSetup } from './elevenlabs-socket.ts'
import { connectionContext, ProtocolError, type ConnectionContext, type StreamDeps } from './stream-context.ts'
import { upgrade } from './websocket.ts'

const ROUTE = '/v1/text-to-speech/:voice_id/multi-stream-input'

export const multiStreamMessageSchema = streamInputMessageSchema.extend({
  text: z.string().max(10_000).optional(),
  context_id: z.string().min(1).max(100).regex(/^[\w.:-]+$/).optional(),
  close_context: z.boolean().nullish(),
  close_socket: z.boolean().nullish(),
})

class MultiStreamInput extends ElevenLabsSocket {
  protected readonly route = ROUTE
  readonly #contexts = new Map<string, StreamSession>()

  constructor(
    deps: StreamDeps,
    ctx: ConnectionContext,
    setup: SocketSetup,
    private readonly maxContexts: number,
  ) {
    super(deps, ctx, setup)
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
      // Closed, not just cancelled: what the context holds (an upstream socket) is released now, not at socket end.
      session.close()
      this.event('close_context', { context_id: id, last_seq: lastSeq })
      this.#contexts.delete(id)
      this.sendJson({ isFinal: true, contextId: id })
      return
    }
    if (!session) {
      const opened = this.#open(id, msg)
      const text = msg.text
      if (text?.trim()) return this.admitText(text, () => opened.text(text))
      return
    }
    const open = session
    return this.admitText(msg.text ?? '', () => {
      if (msg.text) open.text(msg.text)
      if (msg.flush) {
        open.flush()
        this.event('flush', { context_id: id })
      } else if (msg.try_trigger_generation) {
        open.trigger()
      }
    })
  }

  #open(id: string, msg: z.infer<typeof multiStreamMessageSchema>): StreamSession {
    if (this.#contexts.size >= this.maxContexts) {
      throw new ProtocolError('too_many_contexts', `At most ${this.maxContexts} contexts may be open on one socket.`)
    }
    const session = this.createSession(this.openingSetup(msg), (frame) => this.sendAudioMessage(frame, { contextId: id }))
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

  protected sendFrame(_frame: AudioFrame): number {
    return 0 // every frame belongs to a context and goes out through its own sender
  }
}

/**
 * @example
 * app.route('/', elevenlabsMultiStreamInputRoutes(deps, { maxContexts: 5 }))
 */
export function elevenlabsMultiStreamInputRoutes(deps: StreamDeps, options: { maxContexts: number }): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get(ROUTE, (c) => upgrade(c, new MultiStreamInput(deps, connectionContext(c, deps), readSocketSetup(c, deps), options.maxContexts)))
  return app
}
