import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { FLAC_BLOCK_SIZE, FlacEncoder } from './flac.ts'
import { resampleAll } from './resample.ts'
import { decode, encodeInChunks, probe, tone } from '../../test/support/audio-decoders.ts'

function streamInfo(file: Uint8Array): { sampleRate: number; totalSamples: number; minFrame: number; maxFrame: number; md5: string } {
  const v = new DataView(file.buffer, file.byteOffset + 8, 34)
  const word = v.getUint32(10)
  return {
    sampleRate: word >>> 12,
    totalSamples: (word & 0xf) * 2 ** 32 + v.getUint32(14),
    minFrame: (v.getUint16(4) << 8) | v.getUint8(6),
    maxFrame: (v.getUint16(7) << 8) | v.getUint8(9),
    md5: Buffer.from(file.subarray(8 + 18, 8 + 34)).toString('hex'),
  }
}

/** Speech-like test signal: a tone, digital silence (constant subframes) and noise (verbatim-prone). */
function mixedSignal(rate: number): Int16Array {
  const s = tone(440, 1.5, rate)
  s.fill(0, Math.round(0.5 * rate), Math.round(0.8 * rate))
  let seed = 1
  for (let i = Math.round(1.2 * rate); i < s.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0
    s[i] = (seed >>> 16) - 32768
  }
  return s
}

describe('FlacEncoder', () => {
  test('lossless: ffmpeg (CRC checks on) decodes exactly the samples we fed', async () => {
    const input = mixedSignal(24000)
    const bytes = encodeInChunks(new FlacEncoder(24000, 24000), input)
    expect(await probe(bytes, 'flac')).toMatchObject({ codecName: 'flac', sampleRate: 24000, channels: 1 })
    const pcm = await decode(bytes, 'flac')
    expect(pcm.length).toBe(input.length)
    expect(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).equals(Buffer.from(input.buffer))).toBe(true)
  })

  test('compresses a tone well below raw size', () => {
    const input = tone(440, 1.5, 24000)
    const bytes = encodeInChunks(new FlacEncoder(24000, 24000), input)
    expect(bytes.length).toBeLessThan(input.byteLength * 0.6)
  })

  test('streams: header first, then one frame per 4096 output samples', () => {
    const enc = new FlacEncoder(24000, 24000)
    const first = enc.write(new Int16Array(100))
    expect(new TextDecoder().decode(first.subarray(0, 4))).toBe('fLaC')
    expect(first.length).toBe(42)
    expect(enc.write(new Int16Array(FLAC_BLOCK_SIZE)).length).toBeGreaterThan(0)
  })

  test('streamed header says "unknown"; finalize() fills total samples, frame sizes and MD5', async () => {
    const enc = new FlacEncoder(22050, 24000)
    const input = tone(440, 1.5, 22050)
    const streamed = encodeInChunks(enc, input)
    expect(streamInfo(streamed)).toMatchObject({ sampleRate: 24000, totalSamples: 0, minFrame: 0, maxFrame: 0 })
    const fixed = enc.finalize(streamed.slice())
    const info = streamInfo(fixed)
    expect(info.sampleRate).toBe(24000)
    expect(info.totalSamples).toBe(36000)
    expect(info.minFrame).toBeGreaterThan(0)
    expect(info.maxFrame).toBeGreaterThanOrEqual(info.minFrame)
    const pcm = await decode(fixed, 'flac')
    expect(pcm.length).toBe(36000)
    expect(pcm).toEqual(resampleAll(input, 22050, 24000))
    expect(info.md5).toBe(createHash('md5').update(pcm).digest('hex'))
  })

  test('a stream shorter than one block, and an empty stream, are valid files', async () => {
    const short = new FlacEncoder(22050, 22050)
    const bytes = short.finalize(encodeInChunks(short, tone(440, 0.05, 22050)))
    expect((await decode(bytes, 'flac')).length).toBe(Math.round(0.05 * 22050))
    const empty = new FlacEncoder(22050, 22050)
    const none = empty.finalize(empty.end())
    expect(none.length).toBe(42)
    expect(streamInfo(none).totalSamples).toBe(0)
  })
})
