/**
 * Loudness per engine (docs/observability.md): the integrated loudness (ITU-R BS.1770) of
 * each utterance an engine makes, before any normalisation, and how many utterances were
 * normalised to TTS_LOUDNESS_TARGET_LUFS. Engine workers measure (audio/loudness-stage.ts) and
 * report each utterance; this records the report under the configured engine's name.
 */
import { Counter, Gauge, type OpenMetricsContentType, type Registry } from 'prom-client'
import type { LoudnessResult } from '../audio/loudness-stage.ts'

/** At most this many engine names get their own series; more are `other`. */
const MAX_ENGINES = 64

export type LoudnessMetrics = ReturnType<typeof createLoudnessMetrics>

/**
 * @example
 * const loudness = createLoudnessMetrics(registry)
 * loudness.record('espeak', { lufs: -21.4, gainDb: 5.4 })
 */
export function createLoudnessMetrics(registry: Registry<OpenMetricsContentType>) {
  const registers = [registry]
  const lufs = new Gauge({
    name: 'tts_audio_loudness_lufs',
    help: 'Integrated loudness (ITU-R BS.1770) of the latest utterance each engine made, before normalisation, LUFS.',
    labelNames: ['engine'],
    registers,
  })
  const normalised = new Counter({
    name: 'tts_audio_normalization_total',
    help: 'Utterances given a gain to reach TTS_LOUDNESS_TARGET_LUFS, by engine.',
    labelNames: ['engine'],
    registers,
  })
  const known = new Set<string>()
  const bounded = (engine: string) => {
    if (known.has(engine) || known.size < MAX_ENGINES) {
      known.add(engine)
      return engine
    }
    return 'other'
  }
  return {
    /** Starts an engine's normalisation count at 0 (its loudness has no value before it speaks). */
    declareEngine(engine: string): void {
      normalised.inc({ engine: bounded(engine) }, 0)
    },
    /** One utterance's loudness, as its worker measured it. */
    record(engine: string, result: LoudnessResult): void {
      const label = { engine: bounded(engine) }
      if (result.lufs !== undefined) lufs.set(label, result.lufs)
      if (result.gainDb !== undefined) normalised.inc(label)
    },
  }
}
