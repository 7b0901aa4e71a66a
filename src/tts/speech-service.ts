/**
 * Batch speech: cache lookup, one shared synthesis per distinct request, encoding as
 * audio arrives, and the cache store, each in its own span and counted in metrics.
 *
 * Both vendor APIs call `speak()`; they differ only in how they parse the request and
 * frame the bytes. The returned body streams: the first encoded bytes leave as soon as
 * the first sentence is synthesised, while the whole file is kept for the cache.
 */
import { context, trace, type Context, type Span, type Tracer } from '@opentelemetry/api'
import type { Logger } from 'pino'
import { concatBytes } from '../audio/bytes.ts'
import { createEncoder, type AudioFormatSpec } from '../audio/formats.ts'
import type { AudioCache, CachedAudio } from '../cache/cache.ts'
import { cacheKey } from '../cache/cache.ts'
import type { FleetLease } from '../cache/fleet-lease.ts'
import { withDeferredSpan } from '../telemetry/deferred-span.ts'
import { observe, type Metrics } from '../telemetry/metrics.ts'
import { recordError, withSpan } from '../telemetry/tracing.ts'
import { Broadcast } from './broadcast.ts'
import type { Engine, Voice } from './engine.ts'
import { charCountRange, countWords, wordCountRange } from './text.ts'

const EMPTY_AUDIO_RATE = 22050

interface Flight {
  broadcast: Broadcast
  /** The finished file, set once synthesis completed, until the cache write lands. */
  stored?: CachedAudio
  /** Which configured engine spoke (engine router only). */
  engine?: string
  /** The upstream's `request-id`, when one answered with it. */
  upstreamRequestId?: string
}

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
    const key = cacheKey({
      engine: this.deps.engine.cacheScope?.(request.voice) ?? this.deps.engine.name,
      model: request.model,
      // Only upstream engines (behind the router) speak instructions; espeak's keys stay as they were.
      ...(this.deps.engine.cacheScope && { instructions: request.instructions }),
      voice: request.voice.id,
      format: formatId(request.format),
      speed: request.speed,
      text: request.text,
    })
    // A flight that finishes during the lookup leaves the map (its file is now in the cache)
    // after the lookup may already have missed: keep hold of it, or we would synthesise again.
    const before = this.#inflight.get(key)
    const lookupStart = performance.now()
    // Deferred: on a hit the trace is usually dropped, and then this span is never built.
    const cached = await withDeferredSpan(tracer, 'tts.cache.lookup', { 'tts.cache.backend': cache.kind }, async (span) => {
      const hit = await cache.get(key)
      span.setAttribute('tts.cache.result', hit ? 'cache_hit' : 'miss')
      return hit
    })
    const timings = { cache: performance.now() - lookupStart }
    if (cached) {
      metrics?.speechRequests.inc({ result: 'cache_hit' })
      const { body, blob, contentType } = cached
      const engine = typeof cached.meta.engine === 'string' ? cached.meta.engine : undefined
      return { cacheResult: 'cache_hit', contentType, chunks: once(body), body, ...(blob && { blob }), timings, engine: () => engine }
    }
    let flight = this.#inflight.get(key) ?? (before?.stored ? before : undefined)
    if (flight?.stored) {
      metrics?.speechRequests.inc({ result: 'cache_hit' })
      const { body, contentType } = flight.stored
      const engine = flight.engine
      return { cacheResult: 'cache_hit', contentType, chunks: once(body), body, timings, engine: () => engine }
    }
    if (!flight || flight.broadcast.signal.aborted) {
      const created: Flight = { broadcast: new Broadcast() }
      flight = created
      this.#inflight.set(key, created)
      const produced = this.#produce(request, key, created, context.active())
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

  /**
   * Feeds the flight: with the audio another replica made (fleet single-flight), or by
   * synthesising here, holding the fleet lease until the file is stored.
   */
  async #produce(request: SpeechRequest, key: string, job: Flight, parent: Context): Promise<void> {
    const { fleet, cache, tracer } = this.deps
    if (!fleet) return this.#synthesise(request, key, job, parent)
    const claim = await context.with(parent, () =>
      withSpan(tracer, 'tts.fleet.claim', {}, async (span) => {
        const claimed = await fleet.claim(key, () => cache.get(key), job.broadcast.signal)
        span.setAttribute('tts.fleet.outcome', claimed.outcome)
        return claimed
      }),
    )
    if (claim.audio) {
      job.stored = claim.audio
      job.broadcast.push(claim.audio.body)
      job.broadcast.end()
      return
    }
    try {
      await this.#synthesise(request, key, job, parent)
    } finally {
      await claim.release()
    }
  }

  /** Synthesises, encodes into the flight's broadcast, then stores the whole file. */
  async #synthesise(request: SpeechRequest, key: string, job: Flight, parent: Context): Promise<void> {
    const flight = job.broadcast
    const { engine, tracer, metrics, cache } = this.deps
    const started = performance.now()
    const words = countWords(request.text)
    const synthSpan = tracer.startSpan(
      'tts.synthesize',
      {
        attributes: {
          'tts.engine': engine.name,
          'tts.voice': request.voice.id,
          'tts.language': request.voice.language,
          'tts.gender': request.voice.gender,
          'tts.format': formatId(request.format),
          'tts.characters': request.text.length,
          'tts.words': words,
          'tts.speed': request.speed,
        },
      },
      parent,
    )
    const synthContext = trace.setSpan(parent, synthSpan)
    let encodeMs = 0
    let samples = 0
    let sampleRate = 0
    let whole: Uint8Array | undefined
    // Only for engines that do not encode in their workers.
    let encoder: Awaited<ReturnType<typeof createEncoder>> | undefined
    // Audio a fallback engine made is not what this key asks for: serve it, but do not keep it.
    let fallback = false
    try {
      const options = { speed: request.speed, format: request.format, model: request.model, ...(request.instructions && { instructions: request.instructions }) }
      for await (const chunk of engine.synthesize(request.text, request.voice, options, flight.signal)) {
        sampleRate = chunk.sampleRate
        if (chunk.engine && !job.engine) {
          job.engine = chunk.engine
          // The router's name says nothing: the span names the configured engine that spoke.
          synthSpan.setAttribute('tts.engine', chunk.engine)
        }
        if (chunk.upstreamRequestId) job.upstreamRequestId ??= chunk.upstreamRequestId
        if (chunk.fallback) fallback = true
        if (chunk.encoded) {
          samples += chunk.sampleCount ?? 0
          flight.push(chunk.encoded)
          if (chunk.whole) [whole, encodeMs] = [chunk.whole, chunk.encodeMs ?? 0]
          continue
        }
        const t = performance.now()
        encoder ??= await createEncoder(request.format, chunk.sampleRate)
        samples += chunk.samples.length
        flight.push(encoder.write(chunk.samples))
        encodeMs += performance.now() - t
      }
      if (!whole) {
        const t = performance.now()
        // Text that yields no audio at all still gets a valid (empty) file.
        encoder ??= await createEncoder(request.format, EMPTY_AUDIO_RATE)
        flight.push(encoder.end())
        whole = encoder.finalize(concatBytes(flight.chunks))
        encodeMs += performance.now() - t
      }
    } catch (err) {
      encoder?.close?.()
      // Every reader hung up, so the work was stopped on purpose: mark it, but it is no failure.
      if (flight.signal.aborted) synthSpan.setAttribute('tts.synthesis.abandoned', true)
      else recordError(synthSpan, err)
      synthSpan.end()
      flight.end(err)
      return
    }
    const seconds = (performance.now() - started) / 1000
    const audioSeconds = sampleRate ? samples / sampleRate : 0
    const rtf = audioSeconds ? (seconds - encodeMs / 1000) / audioSeconds : 0
    synthSpan.setAttribute('tts.audio.duration_s', audioSeconds)
    synthSpan.setAttribute('tts.rtf', rtf)
    synthSpan.end()
    recordEncodeSpan(tracer, parent, encodeMs, request.format)

    const entry: CachedAudio = {
      body: whole,
      contentType: request.format.contentType,
      meta: { durationS: audioSeconds, sampleRate: request.format.sampleRate, ...(job.engine && { engine: job.engine }) },
    }
    job.stored = entry
    flight.end()
    // Let the readers' last bytes leave first: storing copies and checksums the whole file
    // on this thread, and the client would wait for it. Meanwhile `job.stored` serves repeats.
    await new Promise<void>((resolve) => setImmediate(resolve))
    context.with(synthContext, () => {
      if (metrics) {
        observe(metrics.speechCreateDuration, {}, seconds)
        observe(metrics.wordCountDuration, { word_count_range: wordCountRange(words) }, seconds)
        observe(metrics.charCountDuration, { char_count_range: charCountRange(request.text.length) }, seconds)
        if (rtf) observe(metrics.synthesisRtf, {}, rtf)
      }
    })
    if (fallback) return
    await context.with(parent, () =>
      withSpan(tracer, 'tts.cache.store', { 'tts.cache.backend': cache.kind, 'tts.bytes': entry.body.byteLength }, () =>
        cache.set(key, entry),
      ),
    ).catch(() => {})
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

/** Encoding happens chunk by chunk between syntheses; its span reports the summed time. */
function recordEncodeSpan(tracer: Tracer, parent: Context, encodeMs: number, format: AudioFormatSpec): void {
  const now = Date.now()
  const span: Span = tracer.startSpan(
    'tts.encode',
    { startTime: now - encodeMs, attributes: { 'tts.format': formatId(format), 'tts.encode.ms': encodeMs } },
    parent,
  )
  span.end(now)
}

/** Stable id of an output format for cache keys and span attributes. */
export function formatId(format: AudioFormatSpec): string {
  return `${format.container}_${format.sampleRate}${format.bitrateKbps ? `_${format.bitrateKbps}` : ''}`
}

async function* once(body: Uint8Array): AsyncGenerator<Uint8Array> {
  yield body
}
