/**
 * An espeak engine's entry in the engines file, and the builds it can name: the one list
 * of espeak variants (TTS_ENGINE takes the same values).
 */
import { z } from 'zod'

/** `espeak`: the native library when it loads, else the WASM build. */
export const ESPEAK_VARIANTS = ['espeak', 'espeak-wasm', 'espeak-native'] as const

export type EspeakVariant = (typeof ESPEAK_VARIANTS)[number]

export const espeakSettings = z.strictObject({
  kind: z.literal('espeak'),
  /** Which build; unset: TTS_ENGINE's choice. */
  variant: z.enum(ESPEAK_VARIANTS).optional(),
})

export type EspeakEngineSettings = z.output<typeof espeakSettings> & { name: string }
