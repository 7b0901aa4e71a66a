import { describe, expect, test } from 'bun:test'
import { concatBytes } from './bytes.ts'
import { leBytesToInt16 } from './pcm.ts'
import { decode, encodeInChunks, probe, soxSampleCount, tone, zeroCrossings } from '../../test/support/audio-decoders.ts'
import { WAV_HEADER_BYTES, WavEncoder, fixWavSizes, wavHeader } from './wav.ts'

function u32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true)
}

describe('wavHeader', () => {
  test('canonical 44-byte PCM header with exact sizes', () => {
    const h = wavHeader({ sampleRate: 24000, dataBytes: 48000 })
    expect(h.length).toBe(WAV_HEADER_BYTES)
    expect(new TextDecoder().decode(h.subarray(0, 4))).toBe('RIFF')
    expect(u32(h, 4)).toBe(36 + 48000)
    expect(u32(h, 24)).toBe(24000)
    expect(u32(h, 28)).toBe(48000) // byte rate
    expect(u32(h, 40)).toBe(48000)
  })

  test('streaming header marks both sizes unknown (0xFFFFFFFF), as OpenAI does', () => {
    const h = wavHeader({ sampleRate: 24000 })
    expect(u32(h, 4)).toBe(0xffffffff)
    expect(u32(h, 40)).toBe(0xffffffff)
  })
})

describe('WavEncoder', () => {
  const input = tone(440, 1.5, 22050)

  test('the header leaves with the first write, even an empty one', () => {
    const enc = new WavEncoder(22050, 24000)
    expect(enc.write(new Int16Array(0)).length).toBe(WAV_HEADER_BYTES)
    expect(enc.write(new Int16Array(0)).length).toBe(0)
  })

  test('a streamed file (unknown sizes) is read completely by ffprobe, ffmpeg and sox', async () => {
    const streamed = encodeInChunks(new WavEncoder(22050, 24000), input)
    expect(streamed.length).toBe(WAV_HEADER_BYTES + 36000 * 2)
    expect(await probe(streamed, 'wav')).toMatchObject({ codecName: 'pcm_s16le', sampleRate: 24000, channels: 1 })
    const pcm = await decode(streamed, 'wav')
    expect(pcm.length).toBe(36000)
    expect(Math.abs(zeroCrossings(pcm) - 1320)).toBeLessThanOrEqual(2)
    expect(await soxSampleCount(streamed, 'wav')).toBe(36000)
  })

  test('finalize() writes the exact RIFF and data sizes', async () => {
    const enc = new WavEncoder(22050, 24000)
    const streamed = encodeInChunks(enc, input)
    const fixed = enc.finalize(streamed.slice())
    expect(fixed.length).toBe(streamed.length)
    expect(u32(fixed, 4)).toBe(fixed.length - 8)
    expect(u32(fixed, 40)).toBe(36000 * 2)
    expect(leBytesToInt16(fixed.subarray(44))).toEqual(leBytesToInt16(streamed.subarray(44)))
    expect(await soxSampleCount(fixed, 'wav')).toBe(36000)
  })

  test('an empty stream is still a valid (empty) WAV file', async () => {
    const enc = new WavEncoder(22050, 16000)
    const file = enc.finalize(concatBytes([enc.end()]))
    expect(file.length).toBe(WAV_HEADER_BYTES)
    expect(u32(file, 40)).toBe(0)
    expect(await probe(file, 'wav')).toMatchObject({ codecName: 'pcm_s16le', sampleRate: 16000 })
  })
})

describe('fixWavSizes', () => {
  test('walks past extra chunks (LIST) to the data chunk', () => {
    const head = wavHeader({ sampleRate: 8000 })
    const list = new Uint8Array([...new TextEncoder().encode('LIST'), 5, 0, 0, 0, 1, 2, 3, 4, 5, 0])
    // fmt chunk is the first 36 bytes, then LIST (odd size, padded), then data.
    const file = concatBytes([head.subarray(0, 36), list, head.subarray(36), new Uint8Array(100)])
    const fixed = fixWavSizes(file)
    expect(u32(fixed, 4)).toBe(file.length - 8)
    expect(u32(fixed, 36 + list.length + 4)).toBe(100)
  })

  test('odd-sized data gets the pad byte RIFF requires', () => {
    const file = concatBytes([wavHeader({ sampleRate: 8000, bitsPerSample: 8 }), new Uint8Array(101)])
    const fixed = fixWavSizes(file)
    expect(fixed.length).toBe(file.length + 1)
    expect(u32(fixed, 40)).toBe(101)
    expect(u32(fixed, 4)).toBe(fixed.length - 8)
  })

  test('rejects what is not a WAV file', () => {
    expect(() => fixWavSizes(new Uint8Array(100))).toThrow(/RIFF/)
  })
})
