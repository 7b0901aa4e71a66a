import { describe, expect, test } from 'bun:test'
import { oggPackets, readOggPages } from '../ogg/ogg-reader.ts'
import { decode, encodeInChunks, probe, rms, tone, zeroCrossings } from '../../../test/support/audio-decoders.ts'
import { OPUS_FRAME_SAMPLES, opusEncodersInUse } from './libopus.ts'
import { OggOpusEncoder } from './ogg-opus.ts'
import { OpusPacketStream, splitOpusPackets } from './opus-packet-stream.ts'

const EOS = 0x04
const BOS = 0x02

describe('OggOpusEncoder (RFC 7845)', () => {
  test('OpusHead and OpusTags on their own pages, pre-skip from the encoder, granules at 48 kHz', async () => {
    const input = tone(440, 1.5, 24000)
    const file = encodeInChunks(new OggOpusEncoder(24000, 64, 99), input)
    const pages = readOggPages(file)
    const [head, tags] = oggPackets(pages)
    expect(new TextDecoder().decode(head!.subarray(0, 8))).toBe('OpusHead')
    const view = new DataView(head!.buffer, head!.byteOffset)
    const preSkip = view.getUint16(10, true)
    expect({ version: head![8], channels: head![9], rate: view.getUint32(12, true), family: head![18] }).toEqual({ version: 1, channels: 1, rate: 48000, family: 0 })
    expect(preSkip).toBeGreaterThan(0)
    expect(new TextDecoder().decode(tags!.subarray(0, 8))).toBe('OpusTags')
    expect(pages[0]!.flags & BOS).toBe(BOS)
    expect(pages.slice(0, 2).map((p) => [p.segments.length, p.granule])).toEqual([[1, 0n], [1, 0n]])
    expect(new Set(pages.map((p) => p.serial))).toEqual(new Set([99]))
    // Audio pages: granules count 20 ms packets; the last one (and only it) ends the stream,
    // its granule trimming the padding: pre-skip plus exactly the input's length at 48 kHz.
    const audio = pages.slice(2)
    let packets = 0
    for (const page of audio.slice(0, -1)) {
      packets += page.segments.filter((s) => s < 255).length
      expect(page.granule).toBe(BigInt(packets * OPUS_FRAME_SAMPLES))
      expect(page.flags & EOS).toBe(0)
    }
    expect(audio.at(-1)!.flags & EOS).toBe(EOS)
    expect(audio.at(-1)!.granule).toBe(BigInt(preSkip + 72000))
  })

  test('ffmpeg decodes exactly the input length, the tone intact, at the named bitrate', async () => {
    const input = tone(440, 1.5, 22050)
    const file = encodeInChunks(new OggOpusEncoder(22050, 64), input)
    expect(await probe(file, 'opus')).toMatchObject({ codecName: 'opus', sampleRate: 48000, channels: 1 })
    const pcm = await decode(file, 'opus')
    expect(pcm.length).toBe(72000)
    expect(Math.abs(zeroCrossings(pcm, 9600, 57600) - 880)).toBeLessThanOrEqual(4)
    expect(Math.abs(rms(pcm, 9600, 57600) - 12000 / Math.SQRT2) / (12000 / Math.SQRT2)).toBeLessThan(0.15)
    // Constant bitrate: 20 ms packets of 64000 * 0.02 / 8 = 160 bytes.
    const sizes = oggPackets(readOggPages(file)).slice(2).map((p) => p.length)
    expect(new Set(sizes)).toEqual(new Set([160]))
  })

  test('pages leave as audio arrives: 20 ms of input is enough for an audio page', () => {
    const enc = new OggOpusEncoder(48000, 32)
    const first = readOggPages(enc.write(tone(440, 0.01, 48000)))
    expect(first).toHaveLength(2) // headers only: half a packet so far
    const second = readOggPages(enc.write(tone(440, 0.015, 48000)))
    expect(second).toHaveLength(1)
    expect(second[0]!.granule).toBe(960n)
    const last = readOggPages(enc.end())
    expect(last.at(-1)!.flags & EOS).toBe(EOS)
  })

  test('input that ends exactly where the lookahead is covered still ends on a packet with the trimming granule', async () => {
    const samples = 2 * OPUS_FRAME_SAMPLES - 312 // two packets hold it and the pre-skip, to the sample
    const file = encodeInChunks(new OggOpusEncoder(48000, 32), tone(440, samples / 48000, 48000))
    const last = readOggPages(file).at(-1)!
    expect(last.flags & EOS).toBe(EOS)
    expect(last.segments.length).toBe(1)
    expect(last.granule).toBe(BigInt(312 + samples))
    expect((await decode(file, 'opus')).length).toBe(samples)
  })

  test('no audio at all is still a valid, empty Ogg Opus file', async () => {
    const enc = new OggOpusEncoder(22050, 32)
    const file = enc.end()
    expect(await probe(file, 'opus')).toMatchObject({ codecName: 'opus', sampleRate: 48000 })
    expect((await decode(file, 'opus')).length).toBe(0)
  })

  test('an encoder abandoned mid-stream (close) gives its libopus state back', () => {
    const before = opusEncodersInUse()
    const enc = new OggOpusEncoder(22050, 32)
    enc.write(tone(440, 0.5, 22050))
    expect(opusEncodersInUse()).toBe(before + 1)
    enc.close()
    enc.close()
    expect(opusEncodersInUse()).toBe(before)
    const done = new OggOpusEncoder(22050, 32)
    done.end()
    done.close()
    expect(opusEncodersInUse()).toBe(before)
  })
})

describe('OpusPacketStream (bare packets for /v1/stream)', () => {
  test('length-prefixed 20 ms packets that split back apart, enough to cover the input', () => {
    const enc = new OpusPacketStream(24000, 32)
    const bytes = encodeInChunks(enc, tone(440, 1, 24000))
    const packets = splitOpusPackets(bytes)
    // 1 s is 50 packets; one more carries the encoder's lookahead out.
    expect(packets).toHaveLength(51)
    for (const packet of packets) expect(packet.length).toBe(80)
  })
})
