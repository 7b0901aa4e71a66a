/**
 * Integrated loudness of mono 16-bit PCM, as ITU-R BS.1770-4 and EBU R128 define it:
 * K-weighting (a high shelf near 1.7 kHz, then a high-pass near 38 Hz), mean square over
 * 400 ms blocks overlapping by 75%, an absolute gate at -70 LUFS and a relative gate 10 LU
 * under the loudness of the blocks that passed the first.
 *
 * The meter is incremental: PCM arrives in chunks as an engine makes it, and the meter keeps
 * only its filter state and one energy per 100 ms step, so it runs beside synthesis (in the
 * engine or encode worker that holds the PCM) and costs a few multiplies per sample.
 *
 * The filters are designed for the signal's own sample rate from the analog prototypes of
 * the standard (bilinear transform), rather than resampling to 48 kHz first: at 48 kHz they
 * equal the standard's published coefficients.
 */

/** Loudness of a block whose mean square is `z` (mono: channel weight 1). */
const lufs = (z: number) => -0.691 + 10 * Math.log10(z)
const ABSOLUTE_GATE_LUFS = -70
const RELATIVE_GATE_LU = 10
const ABSOLUTE_GATE_Z = 10 ** ((ABSOLUTE_GATE_LUFS + 0.691) / 10)
const FULL_SCALE_SQUARED = 1 / (32768 * 32768)

interface Biquad {
  b0: number
  b1: number
  b2: number
  a1: number
  a2: number
}

/** Stage 1, the head's acoustic effect: a high shelf of about +4 dB above 1.5 kHz. */
function highShelf(rate: number): Biquad {
  const f0 = 1681.974450955533
  const gainDb = 3.999843853973347
  const q = 0.7071752369554196
  const k = Math.tan((Math.PI * f0) / rate)
  const vh = 10 ** (gainDb / 20)
  const vb = vh ** 0.4996667741545416
  const a0 = 1 + k / q + k * k
  return {
    b0: (vh + (vb * k) / q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / q + k * k) / a0,
  }
}

/** Stage 2, the revised low-frequency B-curve: a second-order high-pass near 38 Hz. */
function highPass(rate: number): Biquad {
  const f0 = 38.13547087602444
  const q = 0.5003270373238773
  const k = Math.tan((Math.PI * f0) / rate)
  const a0 = 1 + k / q + k * k
  return { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / q + k * k) / a0 }
}

/**
 * @example
 * const meter = new LoudnessMeter(22050)
 * for (const chunk of chunks) meter.push(chunk)
 * meter.integrated() // e.g. -21.3 (LUFS), undefined for less than 400 ms of sound
 */
export class LoudnessMeter {
  readonly #shelf: Biquad
  readonly #pass: Biquad
  /** Samples in one 100 ms step; a gating block is four steps. */
  readonly #step: number
  // Filter state (transposed direct form II, one pair per stage).
  #s1 = 0
  #s2 = 0
  #p1 = 0
  #p2 = 0
  /** Sum of squares of the step being filled, and how many samples it has. */
  #energy = 0
  #filled = 0
  /** Sum of squares of each completed step. */
  readonly #steps: number[] = []
  /** Largest absolute sample seen, 0 to 1 (tracked only with `trackPeak`). */
  peak = 0

  constructor(
    readonly sampleRate: number,
    /** Also track the peak (a normaliser needs it before boosting; a plain measure does not). */
    readonly trackPeak = false,
  ) {
    this.#shelf = highShelf(sampleRate)
    this.#pass = highPass(sampleRate)
    this.#step = Math.round(sampleRate / 10)
  }

  /** Seconds of audio measured. */
  get seconds(): number {
    return (this.#steps.length * this.#step + this.#filled) / this.sampleRate
  }

  /** Measures the next samples of the signal. */
  push(samples: Int16Array): void {
    if (this.trackPeak) this.#trackPeak(samples)
    // The filters run on the raw integers (they are linear): energies are scaled once per step.
    const { b0, b1, b2, a1, a2 } = this.#shelf
    const { a1: d1, a2: d2 } = this.#pass // the high-pass's numerator is 1, -2, 1
    let s1 = this.#s1
    let s2 = this.#s2
    let p1 = this.#p1
    let p2 = this.#p2
    let energy = this.#energy
    const n = samples.length
    let i = 0
    while (i < n) {
      // One 100 ms step at a time, so the inner loop is nothing but the two filters.
      const end = Math.min(n, i + this.#step - this.#filled)
      this.#filled += end - i
      for (; i < end; i++) {
        const x = samples[i]!
        const y = b0 * x + s1
        s1 = b1 * x - a1 * y + s2
        s2 = b2 * x - a2 * y
        const z = y + p1
        p1 = -2 * y - d1 * z + p2
        p2 = y - d2 * z
        energy += z * z
      }
      if (this.#filled === this.#step) {
        this.#steps.push(energy * FULL_SCALE_SQUARED)
        energy = 0
        this.#filled = 0
      }
    }
    this.#s1 = s1
    this.#s2 = s2
    this.#p1 = p1
    this.#p2 = p2
    this.#energy = energy
  }

  #trackPeak(samples: Int16Array): void {
    let max = this.peak * 32768
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i]!
      if (v > max) max = v
      else if (-v > max) max = -v
    }
    this.peak = max / 32768
  }

  /** Mean squares of every complete 400 ms block so far, one per 100 ms step. */
  #blocks(): number[] {
    const steps = this.#steps
    const blocks: number[] = []
    const samples = 4 * this.#step
    for (let i = 3; i < steps.length; i++) blocks.push((steps[i - 3]! + steps[i - 2]! + steps[i - 1]! + steps[i]!) / samples)
    return blocks
  }

  /**
   * Integrated loudness in LUFS of everything pushed so far (gated as BS.1770-4 says);
   * undefined before the first complete 400 ms block, or when every block is silence
   * (under the absolute gate).
   */
  integrated(): number | undefined {
    const loud = this.#blocks().filter((z) => z > ABSOLUTE_GATE_Z)
    if (loud.length === 0) return undefined
    const relativeGate = 10 ** ((lufs(mean(loud)) - RELATIVE_GATE_LU + 0.691) / 10)
    const kept = loud.filter((z) => z > relativeGate)
    return lufs(mean(kept))
  }
}

function mean(values: number[]): number {
  let sum = 0
  for (const v of values) sum += v
  return sum / values.length
}
