/**
 * Measuring pauses in decoded speech: the longest run of near-silent samples, where it
 * starts, and how long it lasts. Speech never stays this quiet for more than a few
 * milliseconds, so a run this long is a pause someone asked for.
 */

/** Samples quieter than this (16-bit) count as silence: about -54 dBFS, below any speech. */
export const SILENCE_THRESHOLD = 64

/**
 * @example
 * longestSilence(samples, 22050) // { seconds: 0.996, startSeconds: 0.36 }
 */
export function longestSilence(samples: Int16Array, sampleRate: number, threshold = SILENCE_THRESHOLD): { seconds: number; startSeconds: number } {
  let best = 0
  let bestStart = 0
  let run = 0
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) < threshold) {
      run++
      if (run > best) {
        best = run
        bestStart = i - run + 1
      }
    } else {
      run = 0
    }
  }
  return { seconds: best / sampleRate, startSeconds: bestStart / sampleRate }
}
