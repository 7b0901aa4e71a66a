/**
 * Opus in Ogg (RFC 7845), streamed: OpusHead and OpusTags on their own pages, then one page per
 * `write` with the packets it completed (so the first audio page leaves with the first PCM
 * chunk), granule positions in 48 kHz samples counting the pre-skip, and a last page flagged
 * end-of-stream whose granule trims the padding off the end.
 */
import { EMPTY_BYTES, concatBytes } from '../bytes.ts'
import type { AudioEncoder } from '../encoder.ts'
import { OggPageWriter, type OggPacket } from '../ogg/ogg-pages.ts'
import { StreamingResampler } from '../resample.ts'
import { OPUS_FRAME_SAMPLES, OPUS_RATE } from './libopus.ts'
import { OpusFrames } from './opus-frames.ts'

const VENDOR = 'tts-edge (libopus 1.4)'

/**
 * The identification header (RFC 7845 section 5.1), mono, channel mapping family 0.
 *
 * @example
 * opusHead(312) // 19 bytes, "OpusHead" ...
 */
export function opusHead(preSkip: number, inputSampleRate = OPUS_RATE): Uint8Array {
  const head = new Uint8Array(19)
  const view = new DataView(head.buffer)
  head.set(new TextEncoder().encode('OpusHead'))
  head[8] = 1 // version
  head[9] = 1 // channels
  view.setUint16(10, preSkip, true)
  view.setUint32(12, inputSampleRate, true)
  view.setInt16(16, 0, true) // output gain
  head[18] = 0 // mapping family: mono/stereo, no table
  return head
}

/**
 * The comment header (RFC 7845 section 5.2): vendor string, no user comments.
 *
 * @example
 * opusTags() // "OpusTags", vendor length, vendor, 0 comments
 */
export function opusTags(vendor = VENDOR): Uint8Array {
  const name = new TextEncoder().encode(vendor)
  const tags = new Uint8Array(8 + 4 + name.length + 4)
  const view = new DataView(tags.buffer)
  tags.set(new TextEncoder().encode('OpusTags'))
  view.setUint32(8, name.length, true)
  tags.set(name, 12)
  view.setUint32(12 + name.length, 0, true)
  return tags
}

function randomSerial(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!
}

/**
 * @example
 * const enc = new OggOpusEncoder(22050, 64)
 * send(enc.write(samples)) // headers + the first audio page
 * send(enc.end())          // the end-of-stream page
 */
export class OggOpusEncoder implements AudioEncoder {
  readonly #resampler: StreamingResampler
  readonly #frames: OpusFrames
  readonly #ogg: OggPageWriter
  #headersSent = false

  constructor(inputSampleRate: number, bitrateKbps: number, serial = randomSerial()) {
    this.#resampler = new StreamingResampler(inputSampleRate, OPUS_RATE)
    this.#frames = new OpusFrames(bitrateKbps)
    this.#ogg = new OggPageWriter(serial)
  }

  write(samples: Int16Array): Uint8Array {
    return this.#pages(this.#frames.push(this.#resampler.process(samples)), false)
  }

  end(): Uint8Array {
    const last = this.#frames.push(this.#resampler.flush())
    const total = this.#frames.samplesIn
    const tail = this.#frames.end()
    return this.#pages([...last, ...tail], true, total)
  }

  finalize(whole: Uint8Array): Uint8Array {
    return whole
  }

  close(): void {
    this.#frames.abandon()
  }

  /** Pages for `packets`; the end-of-stream page's granule is the real end (`total` samples). */
  #pages(packets: Uint8Array[], eos: boolean, total?: number): Uint8Array {
    const out: Uint8Array[] = []
    if (!this.#headersSent) {
      this.#headersSent = true
      const preSkip = this.#frames.preSkip
      out.push(this.#ogg.pages([{ data: opusHead(preSkip), granule: 0n }], { bos: true }))
      out.push(this.#ogg.pages([{ data: opusTags(), granule: 0n }]))
    }
    if (packets.length > 0 || eos) {
      // A granule counts every sample decoded so far, the pre-skip included (RFC 7845 section 4).
      const first = this.#frames.packetsOut - packets.length
      const oggPackets: OggPacket[] = packets.map((data, i) => ({ data, granule: BigInt((first + i + 1) * OPUS_FRAME_SAMPLES) }))
      const last = oggPackets.at(-1)
      if (eos && last && total !== undefined) last.granule = BigInt(this.#frames.preSkip + total)
      out.push(this.#ogg.pages(oggPackets, { eos }))
    }
    return out.length === 0 ? EMPTY_BYTES : concatBytes(out)
  }
}
