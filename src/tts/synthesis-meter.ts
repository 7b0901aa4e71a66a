/**
 * Measures one synthesis (a batch cache miss or a streamed utterance) for the synthesis
 * metrics by model (telemetry/synthesis-metrics.ts): counted when it ends, timed and its
 * real-time factor observed when it completes, counted as an error when it fails.
 */
import type { Span } from '@opentelemetry/api'
import { observe, observeAt, type Metrics } from '../telemetry/metrics.ts'
import type { WorkUnit } from '../telemetry/work-unit.ts'
import type { Engine, PcmChunk, Voice } from './engine.ts'

export type SynthesisEnd = 'completed' | 'failed' | 'cancelled'

/**
 * @example
 * const meter = new SynthesisMeter(metrics, engine, voice)
 * for await (const chunk of engine.synthesize(text, voice, options, signal)) meter.chunk(chunk)
 * meter.end('completed')
 */
export class SynthesisMeter {
  readonly #metrics: Metrics | undefined
  readonly #started = performance.now()
  /** The configured engine that spoke: the asked-for one until a chunk names another (a fallback). */
  modelId: string
  samples = 0
  sampleRate = 0
  #ended = false

  constructor(metrics: Metrics | undefined, engine: Engine, voice: Voice) {
    this.#metrics = metrics
    this.modelId = engine.modelOf?.(voice) ?? engine.name
  }

  /** Seconds of audio so far. */
  get audioSeconds(): number {
    return this.sampleRate ? this.samples / this.sampleRate : 0
  }

  /** One chunk arrived from the engine. */
  chunk(chunk: PcmChunk): void {
    if (chunk.engine && this.samples === 0) this.modelId = chunk.engine
    this.samples += chunk.sampleCount ?? chunk.samples.length
    this.sampleRate = chunk.sampleRate
    this.#metrics?.framesGenerated.inc()
  }

  /** Seconds since the engine was called. */
  get seconds(): number {
    return (performance.now() - this.#started) / 1000
  }

  /**
   * The synthesis ended; once. On completion, `timing` gives the synthesis's length when
   * it was measured earlier (default: until now) and the time spent encoding on this
   * thread between chunks, which the real-time factor leaves out (it is not synthesis).
   * Observations join the active trace as exemplars: call it in the synthesis's context, or
   * name the synthesis's span and unit of work in `at` (no context switch).
   */
  end(how: SynthesisEnd, timing: { seconds?: number; encodeSeconds?: number } = {}, at?: { unit: WorkUnit | undefined; span: Span }): void {
    const m = this.#metrics
    if (this.#ended || !m) return
    this.#ended = true
    const labels = { model_id: this.modelId }
    m.synthesisRequests.inc(labels)
    if (how === 'failed') m.synthesisErrors.inc(labels)
    if (how !== 'completed') return
    const seconds = timing.seconds ?? this.seconds
    const audio = this.audioSeconds
    if (at) {
      observeAt(at.unit, at.span, m.synthesisDuration, labels, seconds)
      if (audio > 0) observeAt(at.unit, at.span, m.synthesisRtf, labels, (seconds - (timing.encodeSeconds ?? 0)) / audio)
      return
    }
    observe(m.synthesisDuration, labels, seconds)
    if (audio > 0) observe(m.synthesisRtf, labels, (seconds - (timing.encodeSeconds ?? 0)) / audio)
  }
}
