/**
 * Batch speech: cache lookup, one shared synthesis per distinct request, encoding as
 * audio arrives, and the cache store, each in its own span and counted in metrics.
 *
 * Both vendor APIs call `speak()`; they differ only in how they parse the request and
 * frame the bytes. The returned body streams: the first encoded bytes leave as soon as
 * the first sentence is synthesised, while the whole file is kept for the cache.
 *
 * This file keys the request and joins it to one flight per key; the steps live beside it:
 * the lookup and hit results (speech-cache-hit.ts), the fleet lease (fleet-single-flight.ts)
 * and synthesise, encode, broadcast, store (speech-production.ts).
 */
import { context, type Tracer } from '@opentelemetry/api'
import type { Logger } from 'pino'
import type { AudioFormatSpec } from '../audio/formats.ts'
import type { AudioCache } from '../cache/cache.ts'
import { cacheKey } from '../cache/cache.ts'
import type { FleetLease } from '../cache/fleet-lease.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { Broadcast } from './broadcast.ts'
import type { Engine, Voice } from './engine.ts'
import { produceFlight } from './fleet-single-flight.ts'
import { formatId } from './format-id.ts'
import { cacheHit, lookUpSpeech } from './speech-cache-hit.ts'
import type { Flight } from './speech-production.ts'

export interface SpeechRequest {
  /** Normalised text to speak. */
  text: string
  voice: Voice
  format: AudioFormatSpec
  speed: number
  model: string
  /** OpenAI `instructions`, forwarded to upstream engines that take them. */
  instructions?: string
  /** The client's disconnect signal. */
  signal?: AbortSignal
}

export interface SpeechResult {
  cacheResult: 'cache_hit' | 'created'
  contentType: string
  /** Encoded audio, in order, as it becomes available. */
  chunks: AsyncIterable<Uint8Array>
  /** The whole file, when it was complete before the request (a cache hit): the same bytes as `chunks`, in one piece. */
  body?: Uint8Array
  /** The same as a Blob, when the cache kept one: responses share it instead of copying `body`. */
  blob?: Blob
  /** Timings for Server-Timing, in ms, known when `speak()` resolves. */
  timings: { cache: number }
  /** The configured engine that produced the audio (known once the first chunk is out). */
  engine?: () => string | undefined
  /** The upstream's own `request-id` for this audio (not on cache hits: no upstream call was made). */
  upstreamRequestId?: () => string | undefined
}

export interface SpeechServiceDeps {
  engine: Engine
  cache: AudioCache
  tracer: Tracer
  logger: Logger
  metrics?: Metrics
  /** Replicas sharing a Redis: one synthesis per distinct request across the fleet. */
  fleet?: Pick<FleetLease, 'claim'>
}

/**
 * @example
 * const speech = new SpeechService({ engine, cache, tracer, logger, metrics })
 * const result = await speech.speak({ text: 'Hello.', voice, format, speed: 1, model: 'tts-1' })
 * for await (const bytes of result.chunks) send(bytes)
 */
export class SpeechService {
  // Syntheses in progress, and finished ones until their cache write lands: a request that
  // arrives in between is served the finished file instead of missing the cache.
  readonly #inflight = new Map<string, Flight>()

  constructor(private readonly deps: SpeechServiceDeps) {}

  async speak(request: SpeechRequest): Promise<SpeechResult> {
    const { tracer, cache, metrics } = this.deps
    metrics?.speechLanguage.inc({ language: request.voice.language, gender: request.voice.gender })
    const { engine } = this.deps
    const key = cacheKey({
      engine: engine.cacheScope?.(request.voice) ?? engine.name,
      model: request.model,
      // Instructions key only audio they can change; other engines' keys stay as they were.
      ...(engine.keysInstructions?.(request.voice) && { instructions: request.instructions }),
      voice: request.voice.id,
      format: formatId(request.format),
      speed: request.speed,
      text: request.text,
    })
    // A flight that finishes during the lookup leaves the map (its file is now in the cache)
    // after the lookup may already have missed: keep hold of it, or we would synthesise again.
    const before = this.#inflight.get(key)
    const lookupStart = performance.now()
    const cached = await lookUpSpeech(tracer, cache, key)
    const timings = { cache: performance.now() - lookupStart }
    if (cached) {
      const engine = typeof cached.meta.engine === 'string' ? cached.meta.engine : undefined
      return cacheHit(metrics, cached.body, cached.contentType, cached.blob, engine, timings)
    }
    let flight = this.#inflight.get(key) ?? (before?.stored ? before : undefined)
    // Finished here, its cache write not landed yet: serve its file.
    if (flight?.stored) return cacheHit(metrics, flight.stored.body, flight.stored.contentType, undefined, flight.engine, timings)
    if (!flight || flight.broadcast.signal.aborted) {
      const created: Flight = { broadcast: new Broadcast() }
      flight = created
      this.#inflight.set(key, created)
      const produced = produceFlight(this.deps, request, key, created, context.active())
      void produced
        .catch((err: unknown) => {
          // A bug after the audio was delivered: log it, keep serving, and let readers finish.
          this.deps.logger.error({ err }, 'speech production failed')
          created.broadcast.end(err)
        })
        .finally(() => {
          if (this.#inflight.get(key) === created) this.#inflight.delete(key)
        })
    }
    const chunks = countOutcome(flight.broadcast.read(request.signal), metrics, request.signal)
    const running = flight
    return {
      cacheResult: 'created',
      contentType: request.format.contentType,
      chunks,
      timings,
      engine: () => running.engine,
      upstreamRequestId: () => running.upstreamRequestId,
    }
  }
}

/** Counts each reader's outcome once: `created` when it got every byte, `error` when synthesis failed. */
async function* countOutcome(
  chunks: AsyncGenerator<Uint8Array>,
  metrics: Metrics | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  try {
    yield* chunks
    metrics?.speechRequests.inc({ result: 'created' })
  } catch (err) {
    // A client that hung up is not a failure of ours.
    if (!signal?.aborted) metrics?.speechRequests.inc({ result: 'error' })
    throw err
  }
}
