/**
 * Neural voices on the CPU: an Engine over a pool of sherpa-onnx workers. The pool is the
 * one espeak uses (queue, abort, job timeout, crash-and-replace, metrics), with its workers
 * as processes because sherpa-onnx is native code (see worker-link.ts).
 */
import type { LoudnessResult } from '../../../audio/loudness-stage.ts'
import type { ModelLifecycle } from '../../../telemetry/model-lifecycle.ts'
import { EngineUnavailableError, type Engine, type PcmChunk, type SynthesisOptions, type Voice } from '../../engine.ts'
import { splitSentences } from '../../text.ts'
import { WorkerPool } from '../../worker-pool.ts'
import type { WorkerChunk } from '../../encoding/worker-chunk.ts'
import type { SherpaPlan } from './model-plan.ts'
import type { SherpaRequest } from './sherpa-job.ts'
import type { SherpaInit } from './sherpa.worker.ts'

export const MIN_SPEED = 0.25
export const MAX_SPEED = 4

export interface SherpaEngineOptions {
  /** Engine name from the engines file: the model id in lifecycle metrics and `X-TTS-Engine`. */
  name: string
  workers: number
  maxQueue: number
  jobTimeoutMs?: number
  /** A worker still loading the model after this long is killed and warmup fails (default 120 s). */
  startTimeoutMs?: number
  /** Nice steps the workers run below the event loop. */
  nice?: number
  models?: ModelLifecycle
  /** Normalise each utterance to this integrated loudness (TTS_LOUDNESS_TARGET_LUFS). */
  loudnessTargetLufs?: number
  /** Told each utterance's loudness, as a worker measured it. */
  onLoudness?: (result: LoudnessResult) => void
}

/**
 * @example
 * const engine = createSherpaEngine(planSherpaModel({ ...settings, name: 'piper' }), { name: 'piper', workers: 1, maxQueue: 64 })
 * await engine.warmup() // loads the model in each worker
 */
export function createSherpaEngine(plan: SherpaPlan, options: SherpaEngineOptions): Engine {
  const pool = new WorkerPool<SherpaRequest, WorkerChunk>({
    url: new URL('./sherpa.worker.ts', import.meta.url),
    isolation: 'process',
    size: options.workers,
    maxQueue: options.maxQueue,
    ...(options.jobTimeoutMs && { jobTimeoutMs: options.jobTimeoutMs }),
    ...(options.startTimeoutMs && { startTimeoutMs: options.startTimeoutMs }),
    init: { config: plan.config } satisfies SherpaInit,
    nice: options.nice ?? 0,
    ...(options.models && { models: options.models, modelId: options.name }),
    ...(options.onLoudness && { onLoudness: options.onLoudness }),
  })
  const targetLufs = options.loudnessTargetLufs
  const byId = new Map(plan.voices.map((v) => [v.id, v]))
  return {
    name: `sherpa-${plan.family}`,
    async *synthesize(text: string, voice: Voice, synthesis: SynthesisOptions, signal?: AbortSignal): AsyncGenerator<PcmChunk> {
      const own = byId.get(voice.id) ?? plan.voices.find((v) => v.engineVoice === voice.engineVoice)
      // The router resolves voices in this engine's own catalogue (fallbacks included): anything else is a bug.
      if (!own) throw new Error(`voice ${voice.id} is not one of this model's`)
      const sentences = splitSentences(text)
      if (sentences.length === 0) return
      const speed = Math.min(MAX_SPEED, Math.max(MIN_SPEED, synthesis.speed ?? 1))
      // sherpa-onnx replaces the model's length scale by 1/speed: fold the voice's own pace into the speed.
      const request: SherpaRequest = {
        sentences,
        speakerId: Number(own.engineVoice),
        speed: speed / plan.lengthScale,
        ...(synthesis.format && { format: synthesis.format }),
        loudness: { voiceKey: own.engineVoice, engineKey: options.name, ...(targetLufs !== undefined && { targetLufs }) },
      }
      for await (const chunk of pool.run(request, { signal })) {
        yield {
          samples: chunk.samples,
          sampleRate: plan.sampleRate,
          boundaries: chunk.boundaries,
          ...(chunk.encoded && { encoded: chunk.encoded, sampleCount: chunk.sampleCount ?? 0 }),
          ...(chunk.whole && { whole: chunk.whole, encodeMs: chunk.encodeMs ?? 0 }),
        }
      }
    },
    voices: () => plan.voices,
    warmup: () =>
      pool.warmup().catch((err: unknown) => {
        // sherpa-onnx prints its reason on the worker's stderr (the service's) before the process ends.
        const reason = err instanceof Error ? err.message : String(err)
        throw new EngineUnavailableError(`engine ${options.name}: the model did not load in its worker (${reason}); sherpa-onnx's message is above`)
      }),
    stats: () => pool.stats(),
    close: () => pool.close(),
  }
}
