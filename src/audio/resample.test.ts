import { describe, expect, test } from 'bun:test'
import { resampledLength } from './duration.ts'
import { concatSamples } from './pcm.ts'
import { StreamingResampler, resampleAll } from './resample.ts'
import { rms, tone, zeroCrossings } from '../../test/support/audio-decoders.ts'

const RATES = [8000, 16000, 22050, 24000, 32000, 44100, 48000]

function chunked(input: Int16Array, from: number, to: number, sizes: number[]): Int16Array {
  const rs = new StreamingResampler(from, to)
  const parts: Int16Array[] = []
  let i = 0
  for (let c = 0; i < input.length; c++) {
    const size = sizes[c % sizes.length] as number
    parts.push(rs.process(input.subarray(i, i + size)))
    i += size
  }
  parts.push(rs.flush())
  return concatSamples(parts)
}

describe('StreamingResampler', () => {
  const input = tone(440, 1.5, 22050)

  test.each(RATES)('22050 -> %d: exact length, identical whatever the chunking', (to) => {
    const whole = resampleAll(input, 22050, to)
    expect(whole.length).toBe(resampledLength(input.length, 22050, to))
    // Chunk boundaries must leave no trace: the streamed output equals the one-shot output bit for bit.
    const streamed = chunked(input, 22050, to, [1, 0, 333, 4097, 2, 1500])
    expect(streamed.length).toBe(whole.length)
    expect(Buffer.from(streamed.buffer).equals(Buffer.from(whole.buffer))).toBe(true)
  })

  test.each(RATES)('22050 -> %d: a 440 Hz tone keeps its frequency and shape', (to) => {
    const out = resampleAll(input, 22050, to)
    // 1.5 s of 440 Hz has 1320 zero crossings.
    expect(Math.abs(zeroCrossings(out) - 1320)).toBeLessThanOrEqual(2)
    // Compare with the ideal tone away from the edges: within a few LSB (12000 peak).
    let maxErr = 0
    for (let i = 100; i < out.length - 100; i++) {
      maxErr = Math.max(maxErr, Math.abs((out[i] as number) - 12000 * Math.sin((2 * Math.PI * 440 * i) / to)))
    }
    expect(maxErr).toBeLessThan(6)
  })

  test('lengths stay exact for odd rate pairs and long streams (no drift)', () => {
    for (const [from, to] of [[22050, 8000], [16000, 44100], [11025, 48000], [22050, 23456]] as const) {
      const n = 5 * from + 7
      const out = chunked(new Int16Array(n), from, to, [4096, 1023, 77])
      expect(out.length).toBe(resampledLength(n, from, to))
    }
  })

  test('downsampling to 8 kHz low-passes: a 6 kHz tone does not alias into the band', () => {
    const high = tone(6000, 1, 22050, 16000)
    const out = resampleAll(high, 22050, 8000)
    // Without the filter this would come out as a loud 2 kHz tone.
    expect(rms(out, 200, out.length - 200) / rms(high)).toBeLessThan(0.003)
  })

  test('downsampling to 8 kHz keeps speech-band content (3 kHz within 0.5 dB)', () => {
    const mid = tone(3000, 1, 22050, 16000)
    const out = resampleAll(mid, 22050, 8000)
    const gainDb = 20 * Math.log10(rms(out, 200, out.length - 200) / rms(mid))
    expect(Math.abs(gainDb)).toBeLessThan(0.5)
  })

  test('a constant input stays constant (unity DC gain, no tone from the phases)', () => {
    const out = resampleAll(new Int16Array(22050).fill(10000), 22050, 24000)
    for (let i = 100; i < out.length - 100; i++) expect(Math.abs((out[i] as number) - 10000)).toBeLessThanOrEqual(1)
  })

  test('full-scale input clips instead of wrapping around', () => {
    const square = new Int16Array(4000)
    for (let i = 0; i < square.length; i++) square[i] = (i >> 5) & 1 ? 32767 : -32768
    const out = resampleAll(square, 22050, 48000)
    // Gibbs overshoot would wrap to the other sign without clamping; sign flips stay at the edges.
    expect(zeroCrossings(out)).toBe(zeroCrossings(square))
  })

  test('same rate passes chunks through untouched', () => {
    const rs = new StreamingResampler(24000, 24000)
    expect(rs.isIdentity).toBe(true)
    const chunk = tone(440, 0.1, 24000)
    expect(rs.process(chunk)).toBe(chunk)
    expect(rs.flush().length).toBe(0)
  })

  test('rejects bad rates and use after flush', () => {
    expect(() => new StreamingResampler(0, 8000)).toThrow(RangeError)
    expect(() => new StreamingResampler(22050.5, 8000)).toThrow(RangeError)
    const rs = new StreamingResampler(22050, 8000)
    rs.flush()
    expect(() => rs.process(new Int16Array(10))).toThrow()
  })
})
