/**
 * Which espeak-ng build runs (TTS_ENGINE, or an engines-file entry's `variant`). `espeak`
 * means the fastest available here: the native library when it loads, else the WASM build
 * that needs nothing installed.
 */
import type { Engine } from '../../engine.ts'
import type { PoolEngineOptions } from '../../worker-pool.ts'
import { findEspeakLibrary } from './espeak-native-library.ts'
import { createEspeakNativeEngine } from './espeak-native.ts'
import type { EspeakVariant } from './espeak-settings.ts'
import { createEspeakWasmEngine } from './espeak-wasm.ts'

export interface CreateEspeakOptions extends PoolEngineOptions {
  engine: EspeakVariant
}

/**
 * True when libespeak-ng can be loaded through bun:ffi (checked once, then cached).
 *
 * @example
 * isNativeEspeakAvailable() // true on Debian with libespeak-ng1 installed
 */
export function isNativeEspeakAvailable(): boolean {
  return findEspeakLibrary() !== null
}

/**
 * Builds the chosen espeak engine; call `warmup()` before serving and `close()` on shutdown.
 * `espeak-native` throws EngineUnavailableError when the library is missing.
 *
 * @example
 * const engine = createEspeak({ engine: config.TTS_ENGINE, workers: config.TTS_MAX_CONCURRENCY, maxQueue: config.TTS_MAX_QUEUE })
 * await engine.warmup()
 */
export function createEspeak(options: CreateEspeakOptions): Engine {
  const { engine, ...pool } = options
  switch (engine) {
    case 'espeak-native':
      return createEspeakNativeEngine(pool)
    case 'espeak-wasm':
      return createEspeakWasmEngine(pool)
    case 'espeak':
      return isNativeEspeakAvailable() ? createEspeakNativeEngine(pool) : createEspeakWasmEngine(pool)
  }
}
