/**
 * Turns a SpeechResult into an HTTP response whose body streams as audio is encoded.
 *
 * The first chunk is awaited before the status line is sent, so a failure on the first
 * sentence (queue full, engine crash) still becomes a proper 429/503 in the API's shape;
 * later failures can only cut the body short, and are logged and counted.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { observe, type Metrics } from '../telemetry/metrics.ts'
import type { SpeechResult } from '../tts/speech-service.ts'

export interface AudioResponseOptions {
  metrics?: Metrics
  /** Route label for `tts_first_audio_latency_seconds`. */
  route: string
  /** When the request arrived (performance.now()). */
  started: number
  /** Re-frames each chunk (e.g. SSE events); identity by default. */
  frame?: (chunk: Uint8Array) => Uint8Array
  /** Bytes sent after the last chunk (e.g. SSE's done event). */
  trailer?: () => Uint8Array
  contentType?: string
  headers?: Record<string, string>
}

/**
 * @example
 * return audioResponse(c, await speech.speak(request), { metrics, route: '/v1/audio/speech', started })
 */
export async function audioResponse(c: Context<AppEnv>, result: SpeechResult, options: AudioResponseOptions): Promise<Response> {
  const { metrics, route, started, frame = (b) => b, trailer } = options
  const iterator = result.chunks[Symbol.asyncIterator]()
  const first = await iterator.next()
  const span = c.get('span')
  const log = c.get('log')
  metrics && observe(metrics.firstAudioLatency, { route }, (performance.now() - started) / 1000)

  let settle!: () => void
  c.set('bodyDone', new Promise<void>((resolve) => (settle = resolve)))
  let bytes = 0
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) {
        bytes += first.value.byteLength
        controller.enqueue(frame(first.value))
      }
    },
    async pull(controller) {
      try {
        const next = first.done ? first : await iterator.next()
        if (next.done) {
          if (trailer) controller.enqueue(trailer())
          controller.close()
          settle()
          return
        }
        bytes += next.value.byteLength
        controller.enqueue(frame(next.value))
      } catch (err) {
        log.error({ err, bytes_sent: bytes }, 'audio stream failed after the response started')
        metrics?.errors.inc({ type: 'stream_aborted' })
        span.setAttribute('tts.stream.truncated', true)
        controller.error(err)
        settle()
      }
    },
    async cancel() {
      // The client went away: stop reading, which lets the shared synthesis stop if nobody else listens.
      await iterator.return?.(undefined)
      span.setAttribute('tts.client.disconnected', true)
      c.get('logFields').client_disconnected = true
      settle()
    },
  })
  const headers = new Headers({
    'content-type': options.contentType ?? result.contentType,
    'x-cache': result.cacheResult === 'cache_hit' ? 'HIT' : 'MISS',
    'server-timing': `cache;dur=${result.timings.cache.toFixed(2)}, first-audio;dur=${(performance.now() - started).toFixed(2)}`,
    ...options.headers,
  })
  return new Response(body, { status: 200, headers })
}
