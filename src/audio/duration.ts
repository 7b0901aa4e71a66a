/**
 * Duration arithmetic for PCM, used for usage reporting, `tts.audio.duration_s` and alignment.
 */

/**
 * Seconds of audio held by `sampleCount` mono samples at `sampleRate` Hz.
 *
 * @example
 * durationSeconds(33075, 22050) // 1.5
 */
export function durationSeconds(sampleCount: number, sampleRate: number): number {
  return sampleRate > 0 ? sampleCount / sampleRate : 0
}

/**
 * Seconds of audio held by `byteLength` bytes of 16-bit mono PCM at `sampleRate` Hz.
 *
 * @example
 * pcm16DurationSeconds(48000, 24000) // 1
 */
export function pcm16DurationSeconds(byteLength: number, sampleRate: number): number {
  return durationSeconds(Math.floor(byteLength / 2), sampleRate)
}

/**
 * How many samples a resampler produces from `inputSamples` at `fromRate` converted to `toRate`:
 * every output instant that falls inside the input, i.e. ceil(n * to / from).
 *
 * @example
 * resampledLength(22050, 22050, 8000) // 8000
 */
export function resampledLength(inputSamples: number, fromRate: number, toRate: number): number {
  if (fromRate === toRate) return inputSamples
  // Integer ceil-division: exact (no float rounding) for any realistic length.
  return Math.floor((inputSamples * toRate + fromRate - 1) / fromRate)
}
