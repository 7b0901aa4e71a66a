import { describe, expect, test } from 'bun:test'
import { resampledLength } from '../duration.ts'
import { decode, encodeInChunks, probe, rms, tone, zeroCrossings } from '../../../test/support/audio-decoders.ts'
import { AacEncoder } from './aac.ts'
import { adtsHeader, readAdtsFrames } from './adts.ts'
import { aacEncodersInUse, warmAac } from './libav-aac.ts'

/** `seconds` of silence, then `tone`: where the speech starts is what a listener hears. */
function silenceThen(seconds: number, rate: number, after: Int16Array): Int16Array {
  const out = new Int16Array(Math.round(seconds * rate) + after.length)
  out.set(after, out.length - after.length)
  return out
}

const firstLoud = (pcm: Int16Array, level: number) => pcm.findIndex((s) => Math.abs(s) > level)

describe('AAC-LC in ADTS', () => {
  test('ffmpeg decodes it as AAC-LC, 24 kHz mono, the input after one frame of encoder delay, padded to a frame', async () => {
    const input = tone(440, 1.5, 22050)
    const bytes = encodeInChunks(await AacEncoder.create(22050, 24000, 64), input)
    expect(await probe(bytes, 'aac')).toMatchObject({ codecName: 'aac', sampleRate: 24000, channels: 1 })
    const pcm = await decode(bytes, 'aac')
    const expected = resampledLength(input.length, 22050, 24000) + 1024
    expect(pcm.length).toBeGreaterThanOrEqual(expected)
    expect(pcm.length - expected).toBeLessThan(1024)
    expect(Math.abs(zeroCrossings(pcm, 4800, 28800) - 880)).toBeLessThanOrEqual(2)
    // 64 kbps keeps a clean tone at its level (12000 peak: rms ~8485).
    expect(rms(pcm, 4800, 28800) / 8485).toBeCloseTo(1, 1)
  })

  test('the delay is exactly one frame: speech after 250 ms of silence starts 1024 samples later', async () => {
    const input = silenceThen(0.25, 22050, tone(300, 0.5, 22050))
    const pcm = await decode(encodeInChunks(await AacEncoder.create(22050, 24000, 64), input), 'aac')
    expect(Math.abs(firstLoud(pcm, 3000) - (6000 + 1024))).toBeLessThan(48)
    expect(rms(pcm, 0, 6500)).toBeLessThan(20)
  })

  test('audio that starts loud at once keeps its onset (the first frame is not cut)', async () => {
    const input = tone(300, 0.5, 24000)
    const pcm = await decode(encodeInChunks(await AacEncoder.create(24000, 24000, 64), input), 'aac')
    expect(Math.abs(firstLoud(pcm, 3000) - 1024)).toBeLessThan(8)
    // The first 20 ms sound as loud as the rest of the tone.
    expect(rms(pcm, 1024, 1504) / rms(pcm, 6000, 10000)).toBeCloseTo(1, 1)
  })

  test('every write returns whole ADTS frames, the first long before the input ends', async () => {
    const enc = await AacEncoder.create(24000, 24000, 64)
    const chunks: Uint8Array[] = []
    for (let i = 0; i < 20; i++) chunks.push(enc.write(tone(440, 0.1, 24000)))
    chunks.push(enc.end())
    const firstBytes = chunks.findIndex((c) => c.length > 0)
    expect(firstBytes).toBe(0)
    for (const chunk of chunks) {
      for (const frame of readAdtsFrames(chunk)) expect(frame).toMatchObject({ profile: 2, sampleRate: 24000, channels: 1 })
    }
    // 2 s and the one-frame delay in 1024-sample frames, the last padded.
    expect(chunks.reduce((n, c) => n + readAdtsFrames(c).length, 0)).toBe(Math.ceil((48000 + 1024) / 1024))
  })

  test('no audio at all still makes a file ffmpeg decodes: a frame of silence after the delay', async () => {
    const pcm = await decode((await AacEncoder.create(22050, 24000, 64)).end(), 'aac')
    expect(pcm.length).toBe(2048)
    expect(rms(pcm)).toBeLessThan(1)
  })

  test('a stream that is never ended gives its encoder context back on close', async () => {
    const before = aacEncodersInUse()
    const enc = await AacEncoder.create(22050, 24000, 64)
    enc.write(tone(440, 0.3, 22050))
    expect(aacEncodersInUse()).toBe(before + 1)
    enc.close()
    enc.close()
    expect(aacEncodersInUse()).toBe(before)
  })

  test('an ended stream has closed its context, and later streams, fresh or opened ahead, encode the same bytes', async () => {
    const before = aacEncodersInUse()
    const input = tone(523, 0.7, 22050)
    const first = encodeInChunks(await AacEncoder.create(22050, 24000, 64), input)
    expect(aacEncodersInUse()).toBe(before)
    expect(encodeInChunks(await AacEncoder.create(22050, 24000, 64), input)).toEqual(first)
    // Once warmed, each stream's successor is opened between jobs: the same bytes from those too.
    await warmAac()
    for (let i = 0; i < 2; i++) {
      expect(encodeInChunks(await AacEncoder.create(22050, 24000, 64), input)).toEqual(first)
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(aacEncodersInUse()).toBe(before)
  })

  test('a rate ADTS cannot name is refused before any context is opened', async () => {
    const before = aacEncodersInUse()
    await expect(AacEncoder.create(22050, 23000, 64)).rejects.toThrow(/23000 Hz/)
    expect(aacEncodersInUse()).toBe(before)
  })
})

describe('ADTS header', () => {
  test('names MPEG-4 AAC-LC, the rate index, channels and the frame length with its header', () => {
    expect([...adtsHeader(180, 24000, 1)]).toEqual([0xff, 0xf1, 0x58, 0x40, 0x17, 0x7f, 0xfc])
    const frames = readAdtsFrames(new Uint8Array([...adtsHeader(3, 44100, 2), 1, 2, 3, ...adtsHeader(0, 8000, 1)]))
    expect(frames).toEqual([
      { profile: 2, sampleRate: 44100, channels: 2, length: 10, offset: 0 },
      { profile: 2, sampleRate: 8000, channels: 1, length: 7, offset: 10 },
    ])
  })

  test('refuses what 13 bits of length or the channel field cannot hold', () => {
    expect(() => adtsHeader(8185, 24000, 1)).toThrow(RangeError)
    expect(() => adtsHeader(10, 24000, 0)).toThrow(RangeError)
    expect(() => readAdtsFrames(new Uint8Array([...adtsHeader(5, 24000, 1), 1, 2]))).toThrow(/truncated/)
    expect(() => readAdtsFrames(new Uint8Array(9))).toThrow(/sync/)
  })
})
