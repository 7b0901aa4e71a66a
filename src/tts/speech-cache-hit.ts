/**
 * The cache step of batch speech: the lookup, and the result a hit is served as, whether it
 * came from the cache or from a finished flight whose cache write has not landed yet.
 */
import type { Tracer } from '@opentelemetry/api'
import type { AudioCache, CachedAudio } from '../cache/cache.ts'
import { withDeferredSpan } from '../telemetry/deferred-span.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { replay, type SpeechPiece } from './speech-piece.ts'
import type { SpeechResult, UtteranceResult } from './speech-request.ts'

/**
 * Looks `key` up in the cache inside a `tts.cache.lookup` span.
 *
 * @example
 * const cached = await lookUpSpeech(tracer, cache, key)
 */
export function lookUpSpeech(tracer: Tracer, cache: AudioCache, key: string): Promise<CachedAudio | undefined> {
  // Deferred: on a hit the trace is usually dropped, and then this span is never built.
  return withDeferredSpan(tracer, 'tts.cache.lookup', { 'tts.cache.backend': cache.kind }, async (span) => {
    const hit = await cache.get(key)
    span.setAttribute('tts.cache.result', hit ? 'cache_hit' : 'miss')
    return hit
  })
}

/**
 * Counts a hit and serves the whole file in one piece (from the memory tier's Blob when it
 * kept one), with the engine that made it and the upstream generation's `request-id`.
 *
 * @example
 * return cacheHit(metrics, cached, timings, ignored)
 */
export function cacheHit(metrics: Metrics | undefined, cached: CachedAudio, timings: SpeechResult['timings'], ignored: string[]): SpeechResult {
  metrics?.speechRequests.inc({ result: 'cache_hit' })
  const { engine, requestId } = cached.meta
  return {
    ...hitUsage(cached),
    cacheResult: 'cache_hit',
    contentType: cached.contentType,
    chunks: new WholeBody(cached.body),
    body: cached.body,
    ...(cached.blob && { blob: cached.blob }),
    timings,
    engine: () => (typeof engine === 'string' ? engine : undefined),
    ...(typeof requestId === 'string' && { upstreamRequestId: () => requestId }),
    ignored,
  }
}

/**
 * An utterance served from the cache: the pieces it was stored as, with its engine and the
 * upstream generation's `request-id`.
 *
 * @example
 * return { ...replayed(cached, timings), ignored }
 */
export function replayed(cached: CachedAudio, timings: SpeechResult['timings']): Omit<UtteranceResult, 'ignored' | 'indexes'> {
  const { engine, requestId } = cached.meta
  return {
    ...hitUsage(cached),
    cacheResult: 'cache_hit',
    pieces: each(replay(cached)),
    timings,
    engine: () => (typeof engine === 'string' ? engine : undefined),
    ...(typeof requestId === 'string' && { upstreamRequestId: () => requestId }),
  }
}

/** What a hit delivers for usage: the stored audio's length, and no synthesis to bill. */
function hitUsage(cached: CachedAudio): Pick<SpeechResult, 'audioSeconds' | 'synthesised'> {
  const seconds = typeof cached.meta.durationS === 'number' ? cached.meta.durationS : 0
  return { audioSeconds: () => seconds, synthesised: notSynthesised }
}

const notSynthesised = () => false

/** The file as one chunk, for a caller that iterates; a hit is usually served from `body` and never is. */
class WholeBody implements AsyncIterable<Uint8Array> {
  constructor(readonly body: Uint8Array) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    yield this.body
  }
}

async function* each(pieces: SpeechPiece[]): AsyncGenerator<SpeechPiece> {
  yield* pieces
}
