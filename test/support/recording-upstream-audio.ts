/**
 * The recording upstream's audio: 40 ms of tone per character (a pitch from the character,
 * so different texts sound different) and the alignment that goes with it, in both of
 * ElevenLabs' shapes (HTTP seconds, stream-input chunk-relative milliseconds).
 */

const CHAR_MS = 40

/**
 * @example
 * toneFor('Hi.', 24000).length // 3 * 960 samples
 */
export function toneFor(text: string, sampleRate: number): Int16Array {
  const perChar = Math.round((sampleRate * CHAR_MS) / 1000)
  const out = new Int16Array(perChar * text.length)
  for (let c = 0; c < text.length; c++) {
    const hz = 200 + (text.charCodeAt(c) % 64) * 10
    for (let i = 0; i < perChar; i++) out[c * perChar + i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / sampleRate))
  }
  return out
}

/**
 * Each character 40 ms long, back to back.
 *
 * @example
 * wordAlignment('Hi ', 24000).chunk.charStartTimesMs // [0, 40, 80]
 */
export function wordAlignment(text: string, _sampleRate: number) {
  const chars = [...text]
  const starts = chars.map((_, i) => i * CHAR_MS)
  return {
    seconds: {
      characters: chars,
      character_start_times_seconds: starts.map((ms) => ms / 1000),
      character_end_times_seconds: starts.map((ms) => (ms + CHAR_MS) / 1000),
    },
    chunk: { chars, charStartTimesMs: starts, charDurationsMs: chars.map(() => CHAR_MS) },
  }
}
