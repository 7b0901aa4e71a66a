/**
 * Integrated loudness of mono 16-bit PCM, as ITU-R BS.1770-4 and EBU R128 define it:
 * K-weighting (k-weighting.ts), mean square over 400 ms blocks overlapping by 75%, an
 * absolute gate at -70 LUFS and a relative gate 10 LU under the loudness of the blocks that
 * passed the first.
 *
 * The meter is incremental: PCM arrives in chunks as an engine makes it, and the meter keeps
 * one energy per 100 ms step, so it runs beside synthesis (in the engine or encode worker
 * that holds the PCM). Samples wait in a buffer until a batch of LANES x 16 steps (6.4 s) can
 * be weighted at once by the SIMD kernel; what is left when the loudness is asked is weighted
 * then, in as few steps a lane as it needs. Batches start at fixed places in the signal, so
 * the result does not depend on how the signal was cut into chunks. The buffer is borrowed
 * from the thread's pool and handed back by `finish()` (a meter never finished just leaves
 * its buffer to the garbage collector): a fresh buffer per utterance costs more than the
 * whole measurement.
 */
import { kWeighting, LANES, scalarStepEnergies, type KWeighting } from './k-weighting.ts'
import { simdStepEnergies } from './k-weighting-simd.ts'

/** Loudness of a block whose mean square is `z` (mono: channel weight 1). */
const lufs = (z: number) => -0.691 + 10 * Math.log10(z)
const ABSOLUTE_GATE_LUFS = -70
const RELATIVE_GATE_LU = 10
const ABSOLUTE_GATE_Z = 10 ** ((ABSOLUTE_GATE_LUFS + 0.691) / 10)
const FULL_SCALE_SQUARED = 1 / (32768 * 32768)
/** Steps a lane weights in a full batch. */
const STEPS_PER_LANE = 16
const stepEnergies = simdStepEnergies ?? scalarStepEnergies

/** Buffers of finished meters, for the next meters of this thread. */
const POOL: Int16Array[] = []
const POOL_SIZE = 4

function borrow(length: number): Int16Array {
  const i = POOL.findIndex((b) => b.length === length)
  return i < 0 ? new Int16Array(length) : POOL.splice(i, 1)[0]!
}

/**
 * @example
 * const meter = new LoudnessMeter(22050)
 * for (const chunk of chunks) meter.push(chunk)
 * meter.integrated() // e.g. -21.3 (LUFS), undefined for less than 400 ms of sound
 */
export class LoudnessMeter {
  readonly #weighting: KWeighting
  /** Samples in one 100 ms step; a gating block is four steps. */
  readonly #step: number
  /** `warmUp` samples of what came before (zeros at first), then up to one batch not yet weighted. */
  #pending: Int16Array | undefined
  #length: number
  #total = 0
  #finished = false
  /** Energy of each weighted step (full scale 1). */
  readonly #steps: number[] = []
  /** The complete steps still pending, weighted when the loudness was asked (until more samples arrive). */
  #ahead: number[] | undefined
  /** Largest absolute sample seen, 0 to 1 (tracked only with `trackPeak`). */
  peak = 0

  constructor(
    readonly sampleRate: number,
    /** Also track the peak (a normaliser needs it before boosting; a plain measure does not). */
    readonly trackPeak = false,
  ) {
    this.#weighting = kWeighting(sampleRate)
    this.#step = Math.round(sampleRate / 10)
    this.#length = this.#weighting.warmUp
  }

  /** Seconds of audio measured. */
  get seconds(): number {
    return this.#total / this.sampleRate
  }

  /** Measures the next samples of the signal. */
  push(samples: Int16Array): void {
    if (this.#finished) throw new Error('the meter was finished')
    if (this.trackPeak) this.#trackPeak(samples)
    this.#total += samples.length
    this.#ahead = undefined
    const batch = LANES * STEPS_PER_LANE * this.#step
    for (let at = 0; at < samples.length; ) {
      const pending = this.#buffer()
      const take = Math.min(samples.length - at, pending.length - this.#length)
      pending.set(samples.subarray(at, (at += take)), this.#length)
      this.#length += take
      if (this.#length < pending.length) continue
      this.#weigh(STEPS_PER_LANE, LANES * STEPS_PER_LANE, this.#steps)
      pending.copyWithin(0, batch, this.#length)
      this.#length -= batch
    }
  }

  /**
   * The signal ended: weighs what is pending and hands the buffer back to the pool. The
   * loudness stays readable; nothing more may be pushed.
   */
  finish(): void {
    this.#allSteps()
    this.#finished = true
    if (this.#pending && POOL.length < POOL_SIZE) POOL.push(this.#pending)
    this.#pending = undefined
  }

  /** Warm-up plus one batch: every batch, and every partial one, fits. */
  #buffer(): Int16Array {
    if (this.#pending) return this.#pending
    const pending = borrow(this.#weighting.warmUp + LANES * STEPS_PER_LANE * this.#step)
    pending.fill(0, 0, this.#weighting.warmUp)
    return (this.#pending = pending)
  }

  /** Weighs `count` steps of the pending samples, `k` steps a lane, into `out`. */
  #weigh(k: number, count: number, out: number[]): void {
    const energies: number[] = []
    const length = this.#weighting.warmUp + LANES * k * this.#step
    stepEnergies(this.#weighting, this.#buffer().subarray(0, length), k, this.#step, count, energies)
    for (const energy of energies) out.push(energy * FULL_SCALE_SQUARED)
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

  /** Energies of every complete step so far. */
  #allSteps(): number[] {
    if (this.#ahead === undefined) {
      this.#ahead = []
      const complete = Math.floor((this.#length - this.#weighting.warmUp) / this.#step)
      if (complete > 0) {
        // Lanes past the last complete step read zeros; their energies are not kept.
        const k = Math.ceil(complete / LANES)
        this.#buffer().fill(0, this.#length, this.#weighting.warmUp + LANES * k * this.#step)
        this.#weigh(k, complete, this.#ahead)
      }
    }
    return this.#steps.length === 0 ? this.#ahead : this.#steps.concat(this.#ahead)
  }

  /** Mean squares of every complete 400 ms block so far, one per 100 ms step. */
  #blocks(): number[] {
    const steps = this.#allSteps()
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
