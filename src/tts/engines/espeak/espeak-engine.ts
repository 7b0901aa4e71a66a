/**
 * An Engine backed by a pool of espeak-ng workers. Both espeak engines (WASM and
 * native) are this adapter with a different worker script and rate window.
 */
import type { Engine, PcmChunk, SynthesisOptions, Voice } from '../../engine.ts'
import { splitSentences } from '../../text.ts'
import { UnknownVoiceError, VOICES } from './espeak-voices.ts'
import { WorkerPool, type PoolEngineOptions } from '../../worker-pool.ts'
import { ESPEAK_SAMPLE_RATE, planSpeed, type EspeakRequest } from './espeak-job.ts'
import type { WorkerChunk } from '../../encoding/worker-chunk.ts'

export interface EspeakEngineSpec {
  name: string
  workerUrl: URL
  /** Words-per-minute window the engine honours; speeds beyond it are time-stretched. */
  rates: { min: number; max: number }
  /** Passed to each worker's setup. */
  init?: unknown
}

export const MIN_SPEED = 0.25
export const MAX_SPEED = 4

/**
 * @example
 * const engine = createEspeakEngine(
 *   { name: 'espeak-wasm', workerUrl: new URL('./espeak-wasm.worker.ts', import.meta.url), rates: { min: 80, max: 450 } },
 *   { workers: 2, maxQueue: 64 },
 * )
 */
export function createEspeakEngine(spec: EspeakEngineSpec, options: PoolEngineOptions): Engine {
  const pool = new WorkerPool<EspeakRequest, WorkerChunk>({
    url: spec.workerUrl,
    size: options.workers,
    maxQueue: options.maxQueue,
    jobTimeoutMs: options.jobTimeoutMs,
    init: spec.init,
    nice: options.nice ?? 0,
  })
  return {
    name: spec.name,
    async *synthesize(text: string, voice: Voice, options: SynthesisOptions, signal?: AbortSignal): AsyncGenerator<PcmChunk> {
      const sentences = splitSentences(text)
      if (sentences.length === 0) return
      const speed = Math.min(MAX_SPEED, Math.max(MIN_SPEED, options.speed ?? 1))
      const { rate, stretch } = planSpeed(speed, spec.rates)
      const request: EspeakRequest = { sentences, voice: voice.engineVoice, rate, stretch, ...(options.format && { format: options.format }) }
      try {
        for await (const chunk of pool.run(request, { signal })) {
          yield {
            samples: chunk.samples,
            sampleRate: ESPEAK_SAMPLE_RATE,
            boundaries: chunk.boundaries,
            ...(chunk.encoded && { encoded: chunk.encoded, sampleCount: chunk.sampleCount ?? 0 }),
            ...(chunk.whole && { whole: chunk.whole, encodeMs: chunk.encodeMs ?? 0 }),
          }
        }
      } catch (err) {
        // Worker errors arrive as plain Errors carrying the original name.
        if (err instanceof Error && err.name === 'UnknownVoiceError' && !(err instanceof UnknownVoiceError)) {
          throw new UnknownVoiceError(voice.engineVoice)
        }
        throw err
      }
    },
    voices: () => VOICES,
    warmup: () => pool.warmup(),
    stats: () => pool.stats(),
    close: () => pool.close(),
  }
}
