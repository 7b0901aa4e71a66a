/**
 * espeak-ng compiled to WASM (npm `espeak-ng`): real speech with no system dependency.
 * Runs in a worker pool; each worker compiles the module once and reuses one instance
 * (espeak-wasm-runtime.ts). Audio leaves one chunk per sentence, with espeak's word
 * events as boundaries.
 *
 * Speed: this build has no libsonic, so espeak accepts 80..450 words per minute (speed
 * 0.46..2.57). Beyond that the nearest rate is synthesised and time-stretched (WSOLA)
 * to the requested duration, so 0.25 and 4.0 still come out at the right length.
 */
import type { Engine } from '../../engine.ts'
import type { PoolEngineOptions } from '../../worker-pool.ts'
import { createEspeakEngine } from './espeak-engine.ts'

export const ESPEAK_WASM_RATES = { min: 80, max: 450 }

/**
 * @example
 * const engine = createEspeakWasmEngine({ workers: 2, maxQueue: 64 })
 * await engine.warmup()
 * for await (const chunk of engine.synthesize('Hello.', resolveVoice('alloy')!, { speed: 1 })) play(chunk.samples)
 */
export function createEspeakWasmEngine(options: PoolEngineOptions): Engine {
  return createEspeakEngine(
    { name: 'espeak-wasm', workerUrl: new URL('./espeak-wasm.worker.ts', import.meta.url), rates: ESPEAK_WASM_RATES },
    options,
  )
}
