/**
 * Changes the duration of speech without changing its pitch (WSOLA: overlap-add of
 * windowed frames, each shifted by up to ±10 ms to where it best continues the previous
 * one, so the waveform stays periodic and does not warble).
 *
 * Why it exists: espeak-ng clamps its rate to 80..450 words per minute without libsonic
 * (the npm WASM build has none), and to 80 at the low end even with it. Speeds outside
 * that window are synthesised at the nearest rate and finished here.
 */

/**
 * Returns `samples` lasting `factor` times as long (factor < 1 speeds up).
 *
 * @example
 * const slower = timeStretch(pcm, 2, 22050) // twice as long, same pitch
 */
export function timeStretch(samples: Int16Array, factor: number, sampleRate: number): Int16Array {
  if (!(factor > 0) || Math.abs(factor - 1) < 1e-3 || samples.length === 0) return samples
  const frame = Math.max(64, Math.round(sampleRate * 0.03) & ~1)
  const hop = frame / 2 // synthesis hop: Hann windows at 50% overlap sum to one
  const tolerance = Math.round(sampleRate * 0.01)
  const analysisHop = hop / factor
  const outLength = Math.round(samples.length * factor)
  const window = new Float32Array(frame)
  for (let n = 0; n < frame; n++) window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / frame)

  const input = new Float32Array(samples.length + frame + 2 * tolerance)
  input.set(samples, tolerance) // padded so every candidate frame is in range
  const output = new Float32Array(outLength + frame)
  let previous = tolerance // where the last copied frame started in `input`
  for (let k = 0, out = 0; out < outLength; k++, out += hop) {
    const ideal = tolerance + Math.round(k * analysisHop)
    const start = k === 0 ? ideal : bestMatch(input, previous + hop, ideal, tolerance, frame)
    for (let n = 0; n < frame && out + n < output.length; n++) {
      output[out + n]! += (input[start + n] ?? 0) * window[n]!
    }
    previous = start
  }
  const result = new Int16Array(outLength)
  for (let n = 0; n < outLength; n++) result[n] = Math.max(-32768, Math.min(32767, Math.round(output[n]!)))
  return result
}

/** The start near `ideal` whose frame best continues the frame at `natural` (cross-correlation). */
function bestMatch(x: Float32Array, natural: number, ideal: number, tolerance: number, frame: number): number {
  const lo = Math.max(0, ideal - tolerance)
  const hi = Math.min(x.length - frame, ideal + tolerance)
  if (natural + frame > x.length) return Math.min(Math.max(ideal, lo), hi)
  let best = ideal
  let bestScore = -Infinity
  // Every other sample and lag: a quarter of the work, the same choice within a sample.
  for (let start = lo; start <= hi; start += 2) {
    let score = 0
    for (let n = 0; n < frame; n += 2) score += x[natural + n]! * x[start + n]!
    if (score > bestScore) {
      bestScore = score
      best = start
    }
  }
  return best
}
