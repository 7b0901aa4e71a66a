/**
 * espeak-ng through the system library (Debian `libespeak-ng1`) and bun:ffi, in a pool
 * of workers. Faster than the WASM build and streams within a sentence: PCM leaves in
 * blocks as espeak's callback delivers it, with espeak's word events as boundaries.
 *
 * Speed: Debian's build links libsonic, so rates up to 4x are espeak's own; espeak
 * still refuses fewer than 80 words per minute, so speeds below 0.46 are synthesised at
 * 80 and time-stretched (WSOLA) to the requested duration.
 */
import { EngineUnavailableError, type Engine } from '../../engine.ts'
import type { PoolEngineOptions } from '../../worker-pool.ts'
import { createEspeakEngine } from './espeak-engine.ts'
import { findEspeakLibrary } from './espeak-native-library.ts'

export const ESPEAK_NATIVE_RATES = { min: 80, max: 700 }

/**
 * Throws EngineUnavailableError when libespeak-ng cannot be loaded.
 *
 * @example
 * const engine = createEspeakNativeEngine({ workers: 2, maxQueue: 64 })
 * await engine.warmup()
 */
export function createEspeakNativeEngine(options: PoolEngineOptions): Engine {
  const libraryPath = findEspeakLibrary()
  if (!libraryPath) throw new EngineUnavailableError('libespeak-ng is not installed (apt-get install libespeak-ng1)')
  return createEspeakEngine(
    {
      name: 'espeak-native',
      workerUrl: new URL('./espeak-native.worker.ts', import.meta.url),
      rates: ESPEAK_NATIVE_RATES,
      init: { libraryPath },
    },
    options,
  )
}
