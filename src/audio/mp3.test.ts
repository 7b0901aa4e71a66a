import { describe, expect, test } from 'bun:test'
import { Mp3Encoder } from './mp3.ts'
import { decode, encodeInChunks, probe, tone, zeroCrossings } from './test-decoders.ts'

/** LAME adds its encoder delay and pads the last frame: allow a little over 0.1 s extra. */
const TOLERANCE_S = 0.12

describe('Mp3Encoder', () => {
  const input = tone(440, 1.5, 22050)

  test.each([
    [24000, 64],
    [22050, 32],
    [44100, 128],
    [48000, 192],
  ])('%d Hz %d kbps: CBR mono mp3 of the right duration and pitch', async (rate, kbps) => {
    const bytes = encodeInChunks(new Mp3Encoder(22050, rate, kbps), input)
    const p = await probe(bytes, 'mp3')
    expect(p).toMatchObject({ codecName: 'mp3', sampleRate: rate, channels: 1, bitRate: kbps * 1000 })
    const pcm = await decode(bytes, 'mp3')
    const seconds = pcm.length / rate
    expect(seconds).toBeGreaterThanOrEqual(1.5)
    expect(seconds - 1.5).toBeLessThan(TOLERANCE_S)
    // Pitch over one second clear of LAME's leading delay and the tail: 440 Hz = 880 crossings.
    expect(Math.abs(zeroCrossings(pcm, Math.round(0.2 * rate), Math.round(1.2 * rate)) - 880)).toBeLessThanOrEqual(2)
  })

  test('frames stream out before end()', () => {
    const enc = new Mp3Encoder(22050, 24000, 64)
    let sent = 0
    for (let i = 0; i < input.length; i += 2205) sent += enc.write(input.subarray(i, i + 2205)).length
    expect(sent).toBeGreaterThan(0)
    expect(enc.end().length).toBeGreaterThan(0)
  })

  test('rejects a rate MP3 cannot carry', () => {
    expect(() => new Mp3Encoder(22050, 96000, 128)).toThrow(RangeError)
  })
})
