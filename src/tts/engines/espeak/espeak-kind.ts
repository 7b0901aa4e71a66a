/**
 * The `espeak` kind: espeak-ng embedded, in a pool of workers (espeak-engine.ts), speaking
 * the catalogue of espeak-voices.ts. Its cache scope is the build's name (`espeak-native`),
 * as it was before engine files, so caches made then still hit.
 */
import type { LoudnessResult } from '../../../audio/loudness-stage.ts'
import { ConfigError } from '../../../config.ts'
import type { Engine } from '../../engine.ts'
import { supports } from '../../params/voice-params.ts'
import { defineKind } from '../router/engine-kind.ts'
import type { RoutedEngine } from '../router/routed-engine.ts'
import { ESPEAK_VARIANTS, espeakSettings, type EspeakVariant } from './espeak-settings.ts'
import { ESPEAK_READING } from './espeak-engine.ts'
import { inLanguage } from './espeak-language.ts'
import { createEspeak, isNativeEspeakAvailable } from './espeak-variants.ts'
import { resolveVoice } from './espeak-voices.ts'

/**
 * An espeak engine as the router sees it, under the name `name`.
 *
 * @example
 * const local = routedEspeak('local', createEspeak({ engine: 'espeak', workers: 2, maxQueue: 64 }))
 */
export function routedEspeak(name: string, engine: Engine): RoutedEngine {
  return {
    name,
    async *synthesize(text, voice, options, signal) {
      yield* engine.synthesize(text, inLanguage(voice, options.params?.language_code), options, signal)
    },
    voices: () => engine.voices(),
    resolve: (id) => resolveVoice(id),
    scope: () => engine.name,
    params: () => ESPEAK_PARAMS,
    speech: (voice) => engine.speech?.(voice) ?? ESPEAK_READING,
    warmup: () => engine.warmup(),
    stats: () => engine.stats(),
    close: () => engine.close(),
  }
}

/**
 * `language_code` picks the voice's language variant; `seed` is moot (espeak-ng is
 * deterministic). Nothing else reaches it: instructions and voice settings are ignored (and
 * said so), so its cache keys stay as they were.
 */
const ESPEAK_PARAMS = supports(['language_code'], { moot: ['seed'] })

const isVariant = (value: string): value is EspeakVariant => (ESPEAK_VARIANTS as readonly string[]).includes(value)

export const espeakKind = defineKind({
  kind: 'espeak',
  settings: espeakSettings,
  transcodes: false,
  create(settings, deps) {
    const variant = settings.variant ?? (isVariant(deps.espeakVariant) ? deps.espeakVariant : 'espeak')
    // Asked for by name, the native build is a promise: its absence is a configuration error, not a crash.
    if (variant === 'espeak-native' && !isNativeEspeakAvailable()) {
      throw new ConfigError([
        `engine "${settings.name}": espeak-native needs libespeak-ng, which cannot be loaded here (Debian: apt-get install libespeak-ng1); use espeak (the native build when present, else WASM) or espeak-wasm`,
      ])
    }
    // Each worker loads espeak's voice data at its start: reported as a load of this engine's model.
    const metrics = deps.metrics
    const reporting = metrics && {
      models: metrics.models,
      modelId: settings.name,
      onLoudness: (result: LoudnessResult) => metrics.loudness.record(settings.name, result),
    }
    return routedEspeak(settings.name, createEspeak({ ...deps.pool, engine: variant, ...reporting }))
  },
})
