import { describe, expect, test } from 'bun:test'
import { ByteBuilder, concatBytes } from './bytes.ts'
import { durationSeconds, pcm16DurationSeconds, resampledLength } from './duration.ts'
import { PcmEncoder, concatSamples, int16ToLeBytes, leBytesToInt16 } from './pcm.ts'
import { decode, encodeInChunks, probe, tone } from '../../test/support/audio-decoders.ts'

describe('s16le conversion', () => {
  test('little-endian bytes, and back', () => {
    const s = new Int16Array([0, 1, -1, 32767, -32768])
    const b = int16ToLeBytes(s)
    expect([...b]).toEqual([0, 0, 1, 0, 255, 255, 255, 127, 0, 128])
    expect(leBytesToInt16(b)).toEqual(s)
  })

  test('parses at an odd byte offset and ignores a trailing odd byte', () => {
    const backing = new Uint8Array([9, 1, 0, 255, 255, 7])
    expect([...leBytesToInt16(backing.subarray(1))]).toEqual([1, -1])
  })

  test('the output is a copy: reusing the input array does not change sent bytes', () => {
    const s = new Int16Array([5, 6])
    const b = int16ToLeBytes(s)
    s[0] = 99
    expect(b[0]).toBe(5)
  })
})

describe('PcmEncoder', () => {
  test('OpenAI pcm: 24 kHz s16le mono, exact length, decodable', async () => {
    const bytes = encodeInChunks(new PcmEncoder(22050, 24000), tone(440, 1.5, 22050))
    expect(bytes.length).toBe(36000 * 2)
    const raw = ['-f', 's16le', '-ar', '24000', '-ac', '1']
    expect(await probe(bytes, 'pcm', raw)).toMatchObject({ codecName: 'pcm_s16le', sampleRate: 24000, channels: 1 })
    expect((await decode(bytes, 'pcm', raw)).length).toBe(36000)
  })
})

describe('bytes and durations', () => {
  test('concatBytes joins in order, without copying a single chunk', () => {
    const a = new Uint8Array([1, 2])
    expect([...concatBytes([a, new Uint8Array(0), new Uint8Array([3])])]).toEqual([1, 2, 3])
    expect(concatBytes([a])).toBe(a)
    expect(concatBytes([]).length).toBe(0)
  })

  test('concatSamples joins in order, without copying a single block', () => {
    const a = new Int16Array([1, -2])
    expect([...concatSamples([a, new Int16Array(0), new Int16Array([3])])]).toEqual([1, -2, 3])
    expect(concatSamples([a])).toBe(a)
    expect(concatSamples([]).length).toBe(0)
  })

  test('ByteBuilder grows and take() resets', () => {
    const b = new ByteBuilder(2)
    b.append(new Uint8Array([1, 2, 3]))
    b.append(new Uint8Array([4]))
    expect([...b.take()]).toEqual([1, 2, 3, 4])
    expect(b.take().length).toBe(0)
  })

  test('durations and resampled lengths', () => {
    expect(durationSeconds(33075, 22050)).toBe(1.5)
    expect(pcm16DurationSeconds(48001, 24000)).toBe(1)
    expect(resampledLength(33075, 22050, 8000)).toBe(12000)
    expect(resampledLength(1, 22050, 8000)).toBe(1)
    expect(resampledLength(10 ** 9, 22050, 24000)).toBe(Math.ceil((10 ** 9 * 160) / 147))
  })
})
