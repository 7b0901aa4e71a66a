import { describe, expect, test } from 'bun:test'
import { Mp3Encoder, warmMp3 } from './mp3.ts'
import { decode, encodeInChunks, probe, tone, zeroCrossings } from '../../test/support/audio-decoders.ts'

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
    const bytes = encodeInChunks(await Mp3Encoder.create(22050, rate, kbps), input)
    const p = await probe(bytes, 'mp3')
    expect(p).toMatchObject({ codecName: 'mp3', sampleRate: rate, channels: 1, bitRate: kbps * 1000 })
    const pcm = await decode(bytes, 'mp3')
    const seconds = pcm.length / rate
    expect(seconds).toBeGreaterThanOrEqual(1.5)
    expect(seconds - 1.5).toBeLessThan(TOLERANCE_S)
    // Pitch over one second clear of LAME's leading delay and the tail: 440 Hz = 880 crossings.
    expect(Math.abs(zeroCrossings(pcm, Math.round(0.2 * rate), Math.round(1.2 * rate)) - 880)).toBeLessThanOrEqual(2)
  })

  test('frames stream out before end()', async () => {
    const enc = await Mp3Encoder.create(22050, 24000, 64)
    let sent = 0
    for (let i = 0; i < input.length; i += 2205) sent += enc.write(input.subarray(i, i + 2205)).length
    expect(sent).toBeGreaterThan(0)
    expect(enc.end().length).toBeGreaterThan(0)
  })

  test('rejects a rate MP3 cannot carry, and a bitrate that is not CBR', async () => {
    await expect(Mp3Encoder.create(22050, 96000, 128)).rejects.toThrow(RangeError)
    await expect(Mp3Encoder.create(22050, 24000, 100)).rejects.toThrow(RangeError)
  })

  test('a stream started ahead, between requests, encodes exactly like one started on demand', async () => {
    await warmMp3() // as the engine workers do: from now on, streams start ahead
    const nextTask = () => new Promise<void>((resolve) => setImmediate(resolve))
    const at24k = encodeInChunks(await Mp3Encoder.create(22050, 24000, 64), input)
    const at44k = encodeInChunks(await Mp3Encoder.create(22050, 44100, 128), input)
    await nextTask() // the instance handed back is now primed for 44.1 kHz / 128 kbps
    expect(encodeInChunks(await Mp3Encoder.create(22050, 44100, 128), input)).toEqual(at44k)
    await nextTask()
    // A primed instance asked for another format starts that one instead.
    expect(encodeInChunks(await Mp3Encoder.create(22050, 24000, 64), input)).toEqual(at24k)
    expect(encodeInChunks(await Mp3Encoder.create(22050, 44100, 128), input)).toEqual(at44k)
  })

  test('an encoder reused after an unfinished stream starts clean: same bytes as a fresh one', async () => {
    const fresh = encodeInChunks(await Mp3Encoder.create(22050, 24000, 64), input)
    const abandoned = await Mp3Encoder.create(22050, 24000, 64)
    abandoned.write(input.subarray(0, 5000)) // a client that left mid-stream: never ended
    // Interleaved streams on one thread each keep their own LAME state.
    const a = await Mp3Encoder.create(22050, 24000, 64)
    const b = await Mp3Encoder.create(22050, 24000, 64)
    const partsA: Uint8Array[] = []
    const partsB: Uint8Array[] = []
    for (let i = 0; i < input.length; i += 3000) {
      partsA.push(a.write(input.subarray(i, i + 3000)))
      partsB.push(b.write(input.subarray(i, i + 3000)))
    }
    partsA.push(a.end())
    partsB.push(b.end())
    const joined = (parts: Uint8Array[]) => Buffer.concat(parts)
    // CBR frames do not depend on how the input was chunked, so all three files are identical.
    expect(joined(partsA)).toEqual(Buffer.from(fresh))
    expect(joined(partsB)).toEqual(Buffer.from(fresh))
    // The instance handed back by `a` serves a new stream from scratch.
    expect(encodeInChunks(await Mp3Encoder.create(22050, 24000, 64), input)).toEqual(fresh)
    expect(() => a.write(input)).toThrow()
  })
})
