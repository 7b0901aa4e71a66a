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
import type { z } from 'zod'
import type { AppEnv } from '../app-env.ts'
import type { AudioFrame } from '../tts/frame-sender.ts'
import { ElevenLabsSocket, readSocketSetup, streamInputMessageSchema } from './elevenlabs-socket.ts'
import { connectionContext, ProtocolError, type StreamDeps } from './stream-context.ts'
import { upgrade } from './websocket.ts'

const ROUTE = '/v1/text-to-speech/:voice_id/stream-input'

class StreamInput extends ElevenLabsSocket {
  protected readonly route = ROUTE

  protected handle(message: unknown): void | Promise<void> {
    const parsed = streamInputMessageSchema.safeParse(message)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new ProtocolError('invalid_message', `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`)
    }
    const msg = parsed.data
    if (!this.session) return this.begin(msg)
    if (msg.text === '') {
      const session = this.session
      // What the flush releases may still be refused (malformed markup): reported, then closed.
      void session.finish().then(
        () => this.end({ isFinal: true }),
        (err: unknown) => this.fail(err),
      )
      return
    }
    const session = this.session
    return this.admitText(msg.text, () => {
      session.text(msg.text)
      if (msg.flush) {
        session.flush()
        this.event('flush')
      } else if (msg.try_trigger_generation) {
        session.trigger()
      }
    })
  }

  /** The opening message: settings, schedule, and (without a header) the API key. */
  private begin(msg: z.infer<typeof streamInputMessageSchema>): void | Promise<void> {
    const session = this.startSession(this.openingSetup(msg))
    if (msg.text.trim()) return this.admitText(msg.text, () => session.text(msg.text))
  }

  protected sendFrame(frame: AudioFrame): number {
    return this.sendAudioMessage(frame)
  }
}

/**
 * @example
 * app.route('/', elevenlabsStreamInputRoutes(deps))
 */
export function elevenlabsStreamInputRoutes(deps: StreamDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get(ROUTE, (c) => upgrade(c, new StreamInput(deps, connectionContext(c, deps), readSocketSetup(c, deps))))
  return app
}
