/**
 * Speech through the cache: lookup, one shared synthesis per distinct key (on this replica
 * and, with Redis, across the fleet), encoding as audio arrives, and the store, each in its
 * own span and counted in metrics.
 *
 * Batch requests of both vendor APIs call `speak()` (bytes, streamed); streaming sessions'
 * utterances and with-timestamps call `utter()` (pieces with word boundaries). Both are keyed
 * alike, so a greeting a session spoke is a hit for a batch request of the same text and
 * settings, and the other way round.
 *
 * This file keys the request and joins it to one flight per key; the steps live beside it:
 * the lookup and hit results (speech-cache-hit.ts), the fleet lease (fleet-single-flight.ts)
 * and synthesise, encode, broadcast, store (speech-production.ts).
 */
import { context, type Tracer } from '@opentelemetry/api'
import type { Logger } from 'pino'
import type { AudioCache, CachedAudio } from '../cache/cache.ts'
import type { FleetLease } from '../cache/fleet-lease.ts'
import type { Metrics } from '../telemetry/metrics.ts'
import { FlightBytes } from './flight-bytes.ts'
import { Broadcast } from './broadcast.ts'
import type { Engine, Voice } from './engine.ts'
import { produceFlight } from './fleet-single-flight.ts'
import { resolveParams } from './params/resolve-params.ts'
import { HONOURS_NOTHING, withSpeechParams } from './params/voice-params.ts'
import { cacheHit, lookUpSpeech, replayed } from './speech-cache-hit.ts'
import { speechKey } from './speech-key.ts'
import { emptyPiece, hasAlignment, type SpeechPiece } from './speech-piece.ts'
import { synthesiseFlight, type Flight } from './speech-production.ts'
import type { ProducedRequest, SpeechRequest, SpeechResult, UtteranceResult } from './speech-request.ts'
import { planSpeech, type SpeechPlan } from '../markup/speech-plan.ts'
import { DictionaryError, type Dictionaries, type ResolvedRules } from '../pronunciation/dictionaries.ts'
import type { TextNormalization } from '../text-cleanup/clean-up.ts'

export type { Retention, SpeechRequest, SpeechResult, UtteranceResult } from './speech-request.ts'

export interface SpeechServiceDeps {
  engine: Engine
  cache: AudioCache
  tracer: Tracer
  logger: Logger
  metrics?: Metrics
  /** Replicas sharing a Redis: one synthesis per distinct request across the fleet. */
  fleet?: Pick<FleetLease, 'claim'>
  /** TTS_CACHE_SKIP_PATTERN: texts matching it are never looked up or stored. */
  skipPattern?: RegExp
  /** Where the dictionaries that requests' locators name live. */
  dictionaries?: Pick<Dictionaries, 'resolve'>
  /** `apply_text_normalization` when a request does not say (TTS_TEXT_NORMALIZATION). */
  textNormalization?: TextNormalization
}

/** A request keyed, its parameters split, and where it stands with the cache. */
type Found =
  | { hit: CachedAudio; timings: SpeechResult['timings']; ignored: string[]; indexes: string }
  | { hit?: undefined; flight: Flight; timings: SpeechResult['timings']; ignored: string[]; leader: boolean; indexes: string }

/** An entry serves a request when it has the word timings the request needs, if any. */
function serves(entry: CachedAudio | undefined, aligned: boolean): entry is CachedAudio {
  return entry !== undefined && (!aligned || hasAlignment(entry))
}

/** What production is given: made only for a request that synthesises (a hit does not pay for the copy). */
function productionRequest(request: SpeechRequest, honoured: ProducedRequest['params'], retention: SpeechRequest['retention'], plan: SpeechPlan): ProducedRequest {
  return { ...request, params: honoured, retention, ...(plan.speech && { speech: plan.speech }) }
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

  /** The configured engine that speaks `voice`: the bounded `model_id` of session and synthesis metrics. */
  modelOf(voice: Voice): string {
    const { engine } = this.deps
    return engine.modelOf?.(voice) ?? engine.name
  }

  /** A batch request: the audio as bytes, the whole file in one piece on a hit. */
  async speak(request: SpeechRequest): Promise<SpeechResult> {
    const { metrics } = this.deps
    metrics?.speechLanguage.inc({ language: request.voice.language, gender: request.voice.gender })
    const found = await this.#find(request)
    if (found.hit) return cacheHit(metrics, found.hit, found.timings, found.ignored)
    const { flight } = found
    return {
      ...this.#answer(found),
      contentType: request.format.contentType,
      // A batch request's client is polled, not listened to: one abort listener fewer per miss.
      chunks: new FlightBytes(flight.broadcast.read(request.signal, true), metrics, request.signal),
    }
  }

  /**
   * One utterance of a streaming session (or a with-timestamps request): the audio in pieces
   * with the boundaries alignment is measured from; a hit replays the stored pieces.
   */
  async utter(request: SpeechRequest): Promise<UtteranceResult> {
    const found = await this.#find(request)
    if (found.hit) return { ...replayed(found.hit, found.timings), ignored: found.ignored, indexes: found.indexes }
    return { ...this.#answer(found), pieces: found.flight.broadcast.read(request.signal), indexes: found.indexes }
  }

  async #find(request: SpeechRequest): Promise<Found> {
    const { tracer, cache, engine, skipPattern } = this.deps
    const support = engine.params?.(request.voice) ?? HONOURS_NOTHING
    const { honoured, ignored } = resolveParams(request.params ?? {}, withSpeechParams(support))
    const context = support.conditionsOnContext ? request.context : undefined
    // Only a request naming dictionaries waits for their store; the rest is planned at once.
    const planned = this.#plan(request)
    const plan = planned instanceof Promise ? await planned : planned
    if (plan.ignored.length) ignored.push(...plan.ignored)
    // Locators key by the versions they resolved to (in the plan), not as written: a locator of the
    // latest version and one naming that version are the same audio.
    const { pronunciation_dictionary_locators: _locators, ...keyed } = honoured
    const key = speechKey(engine, { ...request, honoured: keyed, ...(context && { context }), ...(plan.key && { speech: plan.key }) })
    const retention = request.retention ?? (skipPattern?.test(request.text) ? 'uncached' : undefined)
    // Boundaries index the client's own text when markup or clean-up made what the engine read.
    const indexes = plan.speech ? (request.source ?? request.text) : request.text
    const aligned = request.alignment === true
    // Nothing of it may be kept: no lookup, no flight others join, no store (speech-production.ts).
    if (retention) return { flight: this.#fly(productionRequest(request, honoured, retention, plan), key, false), timings: { cache: 0 }, ignored, leader: true, indexes }
    // A flight that finishes during the lookup leaves the map (its file is now in the cache)
    // after the lookup may already have missed: keep hold of it, or we would synthesise again.
    const before = this.#inflight.get(key)
    const lookupStart = performance.now()
    const cached = await lookUpSpeech(tracer, cache, key)
    const timings = { cache: performance.now() - lookupStart }
    if (serves(cached, aligned)) return { hit: cached, timings, ignored, indexes }
    let flight = this.#inflight.get(key) ?? (before?.stored ? before : undefined)
    // Finished here, its cache write not landed yet: serve its file.
    if (serves(flight?.stored, aligned)) return { hit: flight.stored, timings, ignored, indexes }
    // A flight without the timings this request needs is left to its readers; this one makes its own.
    // The request that starts a flight is the one billed for it; the ones that join it are not.
    const leader = !flight || flight.broadcast.signal.aborted || flight.stored !== undefined || (aligned && !flight.aligned)
    if (leader) flight = this.#fly(productionRequest(request, honoured, retention, plan), key, true)
    return { flight: flight!, timings, ignored, leader, indexes }
  }

  /**
   * What the request's markup, dictionaries and clean-up mean (markup/speech-plan.ts): a
   * streaming session brings its utterance prepared; a batch request is planned here.
   * Throws MarkupError (malformed markup) and DictionaryError (a locator of nothing).
   */
  #plan(request: SpeechRequest): SpeechPlan | Promise<SpeechPlan> {
    if (request.prepared) return { key: request.prepared.key, speech: request.prepared.speech, ignored: [] }
    const reading = this.deps.engine.speech?.(request.voice)
    if (!reading) return { ignored: [] }
    const params = request.params ?? {}
    const plan = (rules?: ResolvedRules) =>
      planSpeech({
        text: request.source ?? request.text,
        markup: request.markup ?? 'none',
        ...(rules && { rules }),
        normalization: params.apply_text_normalization ?? this.deps.textNormalization ?? 'auto',
        reading,
        language: params.language_code ?? request.voice.language,
      })
    const locators = params.pronunciation_dictionary_locators
    return locators?.length ? this.#dictionaries().resolve(request.owner ?? '', locators).then(plan) : plan()
  }

  #dictionaries(): Pick<Dictionaries, 'resolve'> {
    if (this.deps.dictionaries) return this.deps.dictionaries
    throw new DictionaryError('locator', 'pronunciation_dictionary_locators: this server keeps no pronunciation dictionaries.')
  }

  /** Starts producing `key`; `shared`: identical requests (and the fleet) join it. */
  #fly(request: ProducedRequest, key: string, shared: boolean): Flight {
    const created: Flight = { broadcast: new Broadcast<SpeechPiece>(emptyPiece), aligned: request.alignment === true }
    if (shared) this.#inflight.set(key, created)
    const production = shared ? produceFlight(this.deps, request, key, created, context.active()) : synthesiseFlight(this.deps, request, key, created, context.active())
    // One reaction, not a catch and a finally (each a promise and closures more per miss).
    const landed = () => {
      if (this.#inflight.get(key) === created) this.#inflight.delete(key)
    }
    void production.then(landed, (err: unknown) => {
      // A bug after the audio was delivered: log it, keep serving, and let readers finish.
      try {
        this.deps.logger.error({ err }, 'speech production failed')
        created.broadcast.end(err)
      } finally {
        landed()
      }
    })
    return created
  }

  #answer(found: Extract<Found, { flight: Flight }>) {
    const { flight } = found
    return {
      cacheResult: 'created' as const,
      timings: found.timings,
      engine: () => flight.engine,
      upstreamRequestId: () => flight.upstreamRequestId,
      ignored: found.ignored,
      audioSeconds: () => flight.audioSeconds ?? 0,
      synthesised: () => found.leader && flight.synthesised === true,
    }
  }
}
