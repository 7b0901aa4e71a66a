/**
 * Turns a SpeechResult into an HTTP response whose body streams as audio is encoded
 * (see streamed-body.ts for how the first chunk and failures are handled), or, for a
 * cache hit, carries the finished file in one piece.
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
  const { metrics, route, started, frame, trailer } = options
  // A cache hit is one finished file: sent as it is (with a Content-Length), since a stream
  // for it cost the hit path more than anything else in the handler; from the memory tier's
  // Blob when there is one, which the response shares instead of copying.
  const body =
    result.body && !frame && !trailer
      ? (result.blob ?? (result.body as Uint8Array<ArrayBuffer>))
      : await streamedBody(c, result.chunks, { frame: frame ?? identity, ...(trailer && { trailer }), ...(metrics && { metrics }), whole: !frame && !trailer })
  const elapsed = performance.now() - started
  if (metrics) observe(metrics.firstAudioLatency, { route }, elapsed / 1000)
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? result.contentType,
    'x-cache': result.cacheResult === 'cache_hit' ? 'HIT' : 'MISS',
    'server-timing': `cache;dur=${result.timings.cache.toFixed(2)}, first-audio;dur=${elapsed.toFixed(2)}`,
    ...options.headers,
  }
  // What this request is billed, ElevenLabs' header; known now the first audio is ready.
  const characterCost = c.get('usage')?.served(result, c.get('bodyDone'))
  if (characterCost !== undefined) headers['character-cost'] = String(characterCost)
  // Known once the first chunk arrived (streamedBody waits for it): the engine that spoke.
  const engine = result.engine?.()
  if (engine) headers['x-tts-engine'] = engine
  const upstreamRequestId = result.upstreamRequestId?.()
  if (upstreamRequestId) headers['request-id'] = upstreamRequestId
  return new Response(body, { status: 200, headers })
}

const identity = (bytes: Uint8Array) => bytes
