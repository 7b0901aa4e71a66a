import { describe, expect, test } from 'bun:test'
import { speech } from '../../test/support/ebur128.ts'
import { simdStepEnergies } from './k-weighting-simd.ts'
import { kWeighting, LANES, scalarStepEnergies, type KWeighting } from './k-weighting.ts'

/** The K-weighting run continuously over the whole signal, in float64: what every lane stands for. */
function continuousStepEnergies(w: KWeighting, signal: Int16Array, step: number): number[] {
  const out: number[] = []
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0, energy = 0
  for (let i = 0; i < signal.length; i++) {
    const x = signal[i]!
    const y = w.b0 * x + w.b1 * x1 + w.b2 * x2 - w.a2 * y2 - w.a1 * y1
    const z = y + y2 - 2 * y1 - w.d2 * z2 - w.d1 * z1
    energy += z * z
    ;(x2 = x1), (x1 = x), (y2 = y1), (y1 = y), (z2 = z1), (z1 = z)
    if ((i + 1) % step === 0) (out.push(energy), (energy = 0))
  }
  return out
}

/** Speech with a rumble and a DC offset under it: the slowest thing for the high-pass to forget. */
function hardSignal(rate: number, steps: number): Int16Array {
  const words = speech('Loudness lanes must agree with one long filter, whatever came before them.', 'en-us', rate)
  return Int16Array.from({ length: steps * Math.round(rate / 10) }, (_, i) =>
    Math.max(-32768, Math.min(32767, Math.round(words[i % words.length]! + 6000 * Math.sin((2 * Math.PI * 20 * i) / rate) + 3000))),
  )
}

/** `signal` as the kernels take it: warm-up zeros first, then LANES segments of k steps. */
function lanesOf(w: KWeighting, signal: Int16Array, k: number, step: number): Int16Array {
  const pcm = new Int16Array(w.warmUp + LANES * k * step)
  pcm.set(signal.subarray(0, LANES * k * step), w.warmUp)
  return pcm
}

const RATES = [8000, 16000, 22050, 24000, 44100, 48000] // steps of 800 to 4800 samples: every remainder of three

describe('K-weighting step energies', () => {
  test.each(RATES)('lanes started from rest early enough equal one continuous filter (%i Hz)', (rate) => {
    const w = kWeighting(rate)
    const step = Math.round(rate / 10)
    const k = 3
    const signal = hardSignal(rate, LANES * k)
    const lanes: number[] = []
    scalarStepEnergies(w, lanesOf(w, signal, k, step), k, step, LANES * k, lanes)
    const continuous = continuousStepEnergies(w, signal, step)
    expect(lanes).toHaveLength(LANES * k)
    for (const [i, energy] of lanes.entries()) expect(Math.abs(energy / continuous[i]! - 1)).toBeLessThan(1e-6)
  })

  test.each(RATES)('the SIMD kernel equals the float64 reference within float32 rounding (%i Hz)', (rate) => {
    expect(simdStepEnergies).toBeDefined()
    const w = kWeighting(rate)
    const step = Math.round(rate / 10)
    const k = 5
    const pcm = lanesOf(w, hardSignal(rate, LANES * k), k, step)
    const reference: number[] = []
    const simd: number[] = []
    scalarStepEnergies(w, pcm, k, step, LANES * k, reference)
    simdStepEnergies!(w, pcm, k, step, LANES * k, simd)
    expect(simd).toHaveLength(LANES * k)
    // 1e-3 of an energy is 0.004 dB.
    for (const [i, energy] of simd.entries()) expect(Math.abs(energy / reference[i]! - 1)).toBeLessThan(1e-3)
  })

  test('only the energies asked for are returned, in time order', () => {
    const w = kWeighting(22050)
    const pcm = lanesOf(w, hardSignal(22050, LANES * 2), 2, 2205)
    const all: number[] = []
    const some: number[] = []
    simdStepEnergies!(w, pcm, 2, 2205, LANES * 2, all)
    simdStepEnergies!(w, pcm, 2, 2205, 5, some)
    expect(some).toEqual(all.slice(0, 5))
  })

  test('at 48 kHz the two stages are the standard published coefficients', () => {
    const w = kWeighting(48000)
    // ITU-R BS.1770-4, tables 1 and 2.
    expect(w.b0).toBeCloseTo(1.53512485958697, 10)
    expect(w.b1).toBeCloseTo(-2.69169618940638, 10)
    expect(w.b2).toBeCloseTo(1.19839281085285, 10)
    expect(w.a1).toBeCloseTo(-1.69065929318241, 10)
    expect(w.a2).toBeCloseTo(0.73248077421585, 10)
    expect(w.d1).toBeCloseTo(-1.99004745483398, 10)
    expect(w.d2).toBeCloseTo(0.99007225036621, 10)
  })
})
