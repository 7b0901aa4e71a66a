import { describe, expect, test } from 'bun:test'
import { G711Encoder, alawToLinear, encodeAlaw, encodeMulaw, linearToAlaw, linearToMulaw, mulawToLinear } from './g711.ts'
import { decode, encodeInChunks, probe, tone, zeroCrossings } from '../../test/support/audio-decoders.ts'

const ALL = Int16Array.from({ length: 65536 }, (_, i) => i - 32768)

describe('μ-law', () => {
  test('known code points (ITU-T G.711)', () => {
    expect(linearToMulaw(0)).toBe(0xff)
    expect(linearToMulaw(-1)).toBe(0x7f)
    expect(linearToMulaw(32767)).toBe(0x80)
    expect(linearToMulaw(-32768)).toBe(0x00)
    expect(mulawToLinear(0xff)).toBe(0)
    expect(mulawToLinear(0x80)).toBe(32124)
    expect(mulawToLinear(0x00)).toBe(-32124)
  })

  test('round trip error stays within half a quantisation step for every 16-bit value', () => {
    const codes = encodeMulaw(ALL)
    for (let i = 0; i < ALL.length; i++) {
      const x = ALL[i] as number
      const err = Math.abs(mulawToLinear(codes[i] as number) - x)
      // Step is 8 << segment, segment ~ log2((|x| + 132) / 128): half a step <= (|x| + 132) / 32.
      const clipped = Math.abs(x) > 32635 ? Math.abs(x) - 32124 : 0
      expect(err).toBeLessThanOrEqual(Math.max(clipped, (Math.abs(x) + 132) / 32))
    }
  })

  test('decode(encode(decode(c))) is stable for every code', () => {
    for (let c = 0; c < 256; c++) {
      const x = mulawToLinear(c)
      expect(mulawToLinear(linearToMulaw(x))).toBe(x)
    }
  })

  test('the table-driven encoder equals the reference algorithm', () => {
    const codes = encodeMulaw(ALL)
    for (let i = 0; i < ALL.length; i += 7) expect(codes[i]).toBe(linearToMulaw(ALL[i] as number))
  })
})

describe('A-law', () => {
  test('known code points (ITU-T G.711)', () => {
    expect(linearToAlaw(0)).toBe(0xd5)
    expect(linearToAlaw(-1)).toBe(0x55)
    expect(linearToAlaw(32767)).toBe(0xaa)
    expect(linearToAlaw(-32768)).toBe(0x2a)
    expect(alawToLinear(0xd5)).toBe(8)
    expect(alawToLinear(0xaa)).toBe(32256)
  })

  test('round trip error stays within half a quantisation step for every 16-bit value', () => {
    const codes = encodeAlaw(ALL)
    for (let i = 0; i < ALL.length; i++) {
      const x = ALL[i] as number
      const err = Math.abs(alawToLinear(codes[i] as number) - x)
      // Steps are 16 in the two lowest segments, then double per segment: half a step <= max(8, |x| / 32).
      const clipped = Math.abs(x) > 32256 ? Math.abs(x) - 32256 : 0
      expect(err).toBeLessThanOrEqual(Math.max(clipped, 8, Math.abs(x) / 32))
    }
  })

  test('decode(encode(decode(c))) is stable for every code', () => {
    for (let c = 0; c < 256; c++) {
      const x = alawToLinear(c)
      expect(alawToLinear(linearToAlaw(x))).toBe(x)
    }
  })
})

describe('G711Encoder', () => {
  const input = tone(440, 1.5, 22050)

  test.each(['ulaw', 'alaw'] as const)('%s: ffmpeg decodes 1.5 s at 8 kHz to the same samples we do', async (law) => {
    const bytes = encodeInChunks(new G711Encoder(law, 22050), input)
    expect(bytes.length).toBe(12000)
    const raw = ['-f', law === 'ulaw' ? 'mulaw' : 'alaw', '-ar', '8000', '-ac', '1']
    const p = await probe(bytes, law, raw)
    expect(p).toMatchObject({ codecName: law === 'ulaw' ? 'pcm_mulaw' : 'pcm_alaw', sampleRate: 8000, channels: 1 })
    const pcm = await decode(bytes, law, raw)
    expect(pcm.length).toBe(12000)
    const ours = law === 'ulaw' ? mulawToLinear : alawToLinear
    for (let i = 0; i < bytes.length; i++) expect(pcm[i]).toBe(ours(bytes[i] as number))
    expect(Math.abs(zeroCrossings(pcm) - 1320)).toBeLessThanOrEqual(2)
  })
})
