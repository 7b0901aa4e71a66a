/**
 * Synthesis by model, under the names the worker runbook and the parallel-wrapper design
 * query (docs/observability.md, "Seed metrics"): one observation per synthesis, a batch
 * cache miss or one streamed utterance. `model_id` is the configured engine that spoke
 * (one model per engine entry), so it is bounded by the engines file.
 *
 * The parallel wrapper's `synthesis_total` and `synthesis_latency_seconds` are the same
 * concepts as `tts_synthesis_requests_total` and `tts_synthesis_duration_seconds`: they are
 * recorded from these in prometheus/seed-rules.yml, not counted twice here.
 */
import { Counter, Histogram, type OpenMetricsContentType, type Registry } from 'prom-client'
import { resolveLabelsOnce } from './counter-children.ts'

const SYNTHESIS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export type SynthesisMetrics = ReturnType<typeof createSynthesisMetrics>

/**
 * @example
 * const m = createSynthesisMetrics(registry)
 * m.synthesisRequests.inc({ model_id: 'espeak' })
 */
export function createSynthesisMetrics(registry: Registry<OpenMetricsContentType>) {
  const registers = [registry]
  return {
    // Label sets resolved once (counter-children.ts): one increment per synthesis.
    synthesisRequests: resolveLabelsOnce(
      new Counter({
        name: 'tts_synthesis_requests_total',
        help: 'Syntheses that ended (batch cache misses and streamed utterances), failed and cancelled ones included.',
        labelNames: ['model_id'],
        registers,
      }),
    ),
    synthesisErrors: new Counter({
      name: 'synthesis_errors_total',
      help: 'Syntheses that failed (not those stopped because the client left or cancelled).',
      labelNames: ['model_id'],
      registers,
    }),
    synthesisDuration: new Histogram({
      name: 'tts_synthesis_duration_seconds',
      help: 'Time from calling the engine to its last audio chunk, for syntheses that completed.',
      labelNames: ['model_id'],
      buckets: SYNTHESIS_BUCKETS,
      registers,
      enableExemplars: true,
    }),
    framesGenerated: new Counter({
      name: 'tts_audio_frames_generated_total',
      help: 'Audio chunks engines produced (each is one frame of a stream, or a piece of a batch file).',
      registers,
    }),
  }
}
