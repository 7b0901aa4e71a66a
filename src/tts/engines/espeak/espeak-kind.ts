/**
 * The `espeak` kind: espeak-ng embedded, in a pool of workers (espeak-engine.ts), speaking
 * the catalogue of espeak-voices.ts. Its cache scope is the build's name (`espeak-native`),
 * as it was before engine files, so caches made then still hit.
 */
import type { Engine } from '../../engine.ts'
import { defineKind } from '../router/engine-kind.ts'
import type { RoutedEngine } from '../router/routed-engine.ts'
import { ESPEAK_VARIANTS, espeakSettings, type EspeakVariant } from './espeak-settings.ts'
import { ESPEAK_READING } from './espeak-engine.ts'
import { createEspeak } from './espeak-variants.ts'
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
    synthesize: (text, voice, options, signal) => engine.synthesize(text, voice, options, signal),
    voices: () => engine.voices(),
    resolve: (id) => resolveVoice(id),
    scope: () => engine.name,
    // espeak has no use for OpenAI's instructions: its keys stay as they were.
    keysInstructions: () => false,
    speech: (voice) => engine.speech?.(voice) ?? ESPEAK_READING,
    warmup: () => engine.warmup(),
    stats: () => engine.stats(),
    close: () => engine.close(),
  }
}

const isVariant = (value: string): value is EspeakVariant => (ESPEAK_VARIANTS as readonly string[]).includes(value)

export const espeakKind = defineKind({
  kind: 'espeak',
  settings: espeakSettings,
  transcodes: false,
  create(settings, deps) {
    const variant = settings.variant ?? (isVariant(deps.espeakVariant) ? deps.espeakVariant : 'espeak')
    return routedEspeak(settings.name, createEspeak({ ...deps.pool, engine: variant }))
  },
})
