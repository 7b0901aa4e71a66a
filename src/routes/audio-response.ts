/**
 * Turns a SpeechResult into an HTTP response whose body streams as audio is encoded
 * (see streamed-body.ts for how the first chunk and failures are handled).
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { observe, type Metrics } from '../telemetry/metrics.ts'
import type { SpeechResult } from '../tts/speech-service.ts'
import { streamedBody } from './streamed-body.ts'

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
  const { metrics, route, started, frame = (b: Uint8Array) => b, trailer } = options
  const body = await streamedBody(c, result.chunks, { frame, ...(trailer && { trailer }), ...(metrics && { metrics }) })
  if (metrics) observe(metrics.firstAudioLatency, { route }, (performance.now() - started) / 1000)
  const headers = new Headers({
    'content-type': options.contentType ?? result.contentType,
    'x-cache': result.cacheResult === 'cache_hit' ? 'HIT' : 'MISS',
    'server-timing': `cache;dur=${result.timings.cache.toFixed(2)}, first-audio;dur=${(performance.now() - started).toFixed(2)}`,
    ...options.headers,
  })
  const engine = result.engine?.()
  if (engine) headers.set('x-tts-engine', engine)
  const upstreamRequestId = result.upstreamRequestId?.()
  if (upstreamRequestId) headers.set('request-id', upstreamRequestId)
  return new Response(body, { status: 200, headers })
}
