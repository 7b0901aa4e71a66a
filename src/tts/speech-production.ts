/**
 * The production pipeline of one flight: synthesise, encode as audio arrives, broadcast the
 * pieces to every reader, then store the whole file with the pieces' layout (so a hit replays
 * the same pieces and word timings); each step in its own span and metrics.
 */
import { SpanKind, type Context, type Span, type Tracer } from '@opentelemetry/api'
import { concatBytes } from '../audio/bytes.ts'
import { createEncoder, type AudioFormatSpec } from '../audio/formats.ts'
import type { CachedAudio } from '../cache/cache.ts'
import { observeAt } from '../telemetry/metrics.ts'
import { unitOf } from '../telemetry/work-unit.ts'
import { recordError, withSpan } from '../telemetry/tracing.ts'
import type { Broadcast } from './broadcast.ts'
import type { SynthesisOptions } from './engine.ts'
import { formatId } from './format-id.ts'
import { layoutOf, pieceOf, type SpeechPiece } from './speech-piece.ts'
import type { ProducedRequest } from './speech-request.ts'
import type { SpeechServiceDeps } from './speech-service.ts'
import { SynthesisMeter } from './synthesis-meter.ts'
import { charCountRange, countWords, wordCountRange } from './text.ts'

const EMPTY_AUDIO_RATE = 22050

/** One synthesis that every identical request reads from. */
export interface Flight {
  broadcast: Broadcast<SpeechPiece>
  /** The engine was asked for word timings (a request that needs them joins only such a flight). */
  aligned: boolean
  /** The finished file, set once synthesis completed, until the cache write lands. */
  stored?: CachedAudio
  /** Which configured engine spoke (engine router only). */
  engine?: string
  /** The upstream's `request-id`, when one answered with it. */
  upstreamRequestId?: string
  /** Set once an engine here produced audio for this flight (the synthesis is billed). */
  synthesised?: boolean
  /** Seconds of audio produced so far (the whole file's once it is done). */
  audioSeconds?: number
}

/** What producing needs of the speech service's dependencies. */
export type ProductionDeps = Pick<SpeechServiceDeps, 'engine' | 'cache' | 'tracer' | 'metrics'>

/**
 * Synthesises, encodes into the flight's broadcast, then stores the whole file. A failed
 * synthesis ends the broadcast with its error instead of rejecting.
 *
 * @example
 * const job: Flight = { broadcast: new Broadcast(emptyPiece), aligned: false }
 * await synthesiseFlight(deps, request, key, job, context.active())
 */
export async function synthesiseFlight(deps: ProductionDeps, request: ProducedRequest, key: string, job: Flight, parent: Context): Promise<void> {
  const flight = job.broadcast
  const { engine, tracer, metrics, cache } = deps
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
  // Its observations name it in the request's unit of work, without a context switch to say so.
  const at = { unit: unitOf(parent), span: synthSpan }
  const meter = new SynthesisMeter(metrics, engine, request.voice)
  let encodeMs = 0
  let entry: CachedAudio | undefined
  // The synthesis is counted and its span ended before the flight ends: a request answered is
  // a request counted, for a scrape made the moment its last byte arrives.
  const completed = (whole: Uint8Array): CachedAudio => {
    const seconds = (performance.now() - started) / 1000
    const audioSeconds = meter.audioSeconds
    const rtf = audioSeconds ? (seconds - encodeMs / 1000) / audioSeconds : 0
    synthSpan.setAttribute('tts.audio.duration_s', audioSeconds)
    synthSpan.setAttribute('tts.rtf', rtf)
    synthSpan.end()
    recordEncodeSpan(tracer, parent, encodeMs, request.format)
    if (metrics) {
      observeAt(at.unit, synthSpan, metrics.speechCreateDuration, {}, seconds)
      observeAt(at.unit, synthSpan, metrics.wordCountDuration, { word_count_range: wordCountRange(words) }, seconds)
      observeAt(at.unit, synthSpan, metrics.charCountDuration, { char_count_range: charCountRange(request.text.length) }, seconds)
    }
    meter.end('completed', { seconds, encodeSeconds: encodeMs / 1000 }, at)
    const done = entryOf(request, job, whole, audioSeconds)
    job.stored = done
    flight.end()
    return done
  }
  // Only for engines that do not encode in their workers.
  let encoder: Awaited<ReturnType<typeof createEncoder>> | undefined
  // Audio a fallback engine made is not what this key asks for: serve it, but do not keep it.
  let fallback = false
  try {
    const options: SynthesisOptions = {
      speed: request.speed,
      format: request.format,
      model: request.model,
      ...(request.params && { params: request.params }),
      ...(request.retention === 'none' && { retention: 'none' }),
      ...(request.alignment && { alignment: true }),
      ...(request.session && { session: request.session }),
      // Clean-up alone was deferred to a miss: made now, in the synthesis span.
      ...(request.speech && { speech: typeof request.speech === 'function' ? request.speech() : request.speech }),
    }
    for await (const chunk of engine.synthesize(request.text, request.voice, options, flight.signal)) {
      meter.chunk(chunk)
      job.audioSeconds = meter.audioSeconds
      if (chunk.engine && !job.engine) {
        job.engine = chunk.engine
        // The router's name says nothing: the span names the configured engine that spoke.
        synthSpan.setAttribute('tts.engine', chunk.engine)
      }
      if (chunk.upstreamRequestId) job.upstreamRequestId ??= chunk.upstreamRequestId
      if (chunk.fallback) fallback = true
      job.synthesised = true
      if (chunk.encoded) {
        flight.push(pieceOf(chunk, chunk.encoded))
        if (chunk.whole) {
          encodeMs = chunk.encodeMs ?? 0
          // The file is complete (`whole` rides on the last chunk): its readers may finish in the
          // same turn as this push, not a few promise reactions later, and repeats are hits already.
          entry = completed(chunk.whole)
        }
        continue
      }
      const t = performance.now()
      encoder ??= await createEncoder(request.format, chunk.sampleRate)
      flight.push(pieceOf(chunk, encoder.write(chunk.samples)))
      encodeMs += performance.now() - t
    }
    if (!entry) {
      const t = performance.now()
      // Text that yields no audio at all still gets a valid (empty) file.
      encoder ??= await createEncoder(request.format, EMPTY_AUDIO_RATE)
      flight.push({ bytes: encoder.end(), samples: 0, sampleRate: meter.sampleRate || EMPTY_AUDIO_RATE })
      const whole = encoder.finalize(concatBytes(flight.chunks.map((p) => p.bytes)))
      encodeMs += performance.now() - t
      entry = completed(whole)
    }
  } catch (err) {
    encoder?.close?.()
    // The file was whole and its readers served: what the engine did after is not this flight's.
    if (entry) return storeEntry(deps, request, key, entry, fallback, parent)
    // Every reader hung up, so the work was stopped on purpose: mark it, but it is no failure.
    // (`tts.cancelled` as for any cancelled work: an utterance's barge-in is this too.)
    if (flight.signal.aborted) synthSpan.setAttributes({ 'tts.synthesis.abandoned': true, 'tts.cancelled': true })
    else recordError(synthSpan, err)
    meter.end(flight.signal.aborted ? 'cancelled' : 'failed', {}, at)
    synthSpan.end()
    flight.end(err)
    return
  }
  return storeEntry(deps, request, key, entry, fallback, parent)
}

/** Stores a finished file, after its readers' last bytes have left. */
async function storeEntry(deps: ProductionDeps, request: ProducedRequest, key: string, entry: CachedAudio, fallback: boolean, parent: Context): Promise<void> {
  // Let the readers' last bytes leave first: storing copies and checksums the whole file
  // on this thread, and the client would wait for it. Meanwhile `job.stored` serves repeats.
  await new Promise<void>((resolve) => setImmediate(resolve))
  // Audio a fallback engine made is not what this key asks for; a request that must not be kept is not.
  if (fallback || request.retention) return
  const { cache, tracer } = deps
  const stored = { 'tts.cache.backend': cache.kind, 'tts.bytes': entry.body.byteLength }
  await withSpan(tracer, 'tts.cache.store', stored, () => cache.set(key, entry), SpanKind.INTERNAL, parent).catch(() => {})
}

/** The finished file as the cache keeps it, and as repeats are served until it is stored. */
function entryOf(request: ProducedRequest, job: Flight, whole: Uint8Array, audioSeconds: number): CachedAudio {
  return {
    body: whole,
    contentType: request.format.contentType,
    meta: storedMeta(job, job.broadcast.chunks, whole, request.format.sampleRate, audioSeconds),
  }
}

/** What an entry says about its audio: duration, maker, and the layout hits replay. */
function storedMeta(job: Flight, pieces: readonly SpeechPiece[], whole: Uint8Array, sampleRate: number, durationS: number): CachedAudio['meta'] {
  const layout = layoutOf(pieces, whole)
  return {
    durationS,
    sampleRate,
    ...(job.engine && { engine: job.engine }),
    ...(job.upstreamRequestId && { requestId: job.upstreamRequestId }),
    ...(layout && { layout }),
    // Timings a session can align with: asked for, or given unasked (espeak always measures its words).
    ...(layout && (job.aligned || pieces.some((p) => p.boundaries?.length)) && { aligned: 1 }),
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
