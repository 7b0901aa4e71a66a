/**
 * K-weighting (ITU-R BS.1770-4: a high shelf near 1.7 kHz, then a high-pass near 38 Hz) and the
 * energy of the weighted signal per 100 ms step: the loudness meter's whole per-sample cost.
 *
 * The filters are recursive, so each sample waits on the one before: one filter chain runs at
 * the speed of its multiply-add latency, not of the processor's arithmetic. The kernel
 * therefore cuts the signal into LANES equal segments and filters them side by side, one SIMD
 * lane each (WebAssembly f32x4, k-weighting-simd.ts). A segment cannot know the filter state its predecessor
 * leaves, so each lane starts from rest `warmUp` samples early and discards that output: the
 * filters forget their start within it (the high-pass's poles decay slowest; warm-up is sized
 * from them), so every step's energy equals the continuous filter's within float32 rounding.
 * The SIMD kernel is k-weighting-simd.ts; the reference here runs the same lanes one after
 * another in float64 (and wherever WebAssembly SIMD is missing).
 *
 * The filters are designed for the signal's own sample rate from the analog prototypes of the
 * standard (bilinear transform), rather than resampling to 48 kHz first: at 48 kHz they equal
 * the standard's published coefficients.
 */
/** Segments filtered side by side. */
export const LANES = 4

/** Direct form I coefficients of the two stages; the high-pass's numerator is 1, -2, 1. */
export interface KWeighting {
  b0: number
  b1: number
  b2: number
  a1: number
  a2: number
  /** High-pass denominator. */
  d1: number
  d2: number
  /** Samples a lane runs before its segment so that its start from rest no longer shows. */
  warmUp: number
}

const DESIGNED = new Map<number, KWeighting>()

/** The two stages for `rate`: stage 1 the head's high shelf (+4 dB above 1.5 kHz), stage 2 the RLB high-pass. */
export function kWeighting(rate: number): KWeighting {
  let designed = DESIGNED.get(rate)
  if (designed === undefined) DESIGNED.set(rate, (designed = design(rate)))
  return designed
}

function design(rate: number): KWeighting {
  const shelf = { f0: 1681.974450955533, gainDb: 3.999843853973347, q: 0.7071752369554196 }
  let k = Math.tan((Math.PI * shelf.f0) / rate)
  const vh = 10 ** (shelf.gainDb / 20)
  const vb = vh ** 0.4996667741545416
  let a0 = 1 + k / shelf.q + k * k
  const stage1 = {
    b0: (vh + (vb * k) / shelf.q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / shelf.q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / shelf.q + k * k) / a0,
  }
  const pass = { f0: 38.13547087602444, q: 0.5003270373238773 }
  k = Math.tan((Math.PI * pass.f0) / rate)
  a0 = 1 + k / pass.q + k * k
  const d1 = (2 * (k * k - 1)) / a0
  const d2 = (1 - k / pass.q + k * k) / a0
  // A start from rest fades as n·r^n (r: the high-pass's pole radius, about 1 - 240/rate):
  // run until it is 1e-7 of the signal, under float32's own rounding.
  const r = Math.sqrt(d2)
  let warmUp = 1
  while (warmUp * r ** warmUp > 1e-7) warmUp++
  warmUp = 3 * Math.ceil(warmUp / 3) // the kernel runs three samples a turn
  return { ...stage1, d1, d2, warmUp }
}

/**
 * Computes step energies of `pcm`: it holds `w.warmUp` samples of what came before (zeros at
 * the start of a signal), then LANES segments of `k` steps of `step` samples. Appends the
 * first `count` energies (sums of squares of the weighted raw integers), in time order, to `out`.
 */
export type StepEnergies = (w: KWeighting, pcm: Int16Array, k: number, step: number, count: number, out: number[]) => void

/** The reference: one lane after another in float64, each as the SIMD kernel runs it. */
export const scalarStepEnergies: StepEnergies = (w, pcm, k, step, count, out) => {
  for (let lane = 0, made = 0; lane < LANES && made < count; lane++) {
    let x1 = 0, x2 = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0
    let i = lane * k * step
    for (let s = -1; s < k && made < count; s++) {
      const end = i + (s < 0 ? w.warmUp : step)
      let energy = 0
      for (; i < end; i++) {
        const x = pcm[i]!
        const y = w.b0 * x + w.b1 * x1 + w.b2 * x2 - w.a2 * y2 - w.a1 * y1
        const z = y + y2 - (y1 + y1) - w.d2 * z2 - w.d1 * z1
        energy += z * z
        ;(x2 = x1), (x1 = x), (y2 = y1), (y1 = y), (z2 = z1), (z1 = z)
      }
      if (s >= 0) (out.push(energy), made++)
    }
  }
}
