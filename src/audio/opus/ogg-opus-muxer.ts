/**
 * Opus packets into one Ogg Opus stream (RFC 7845): OpusHead and OpusTags on their own pages
 * before the first audio, then one page per call with the packets given, granule positions in
 * 48 kHz samples counting the pre-skip, and optionally an end-of-stream page whose granule
 * trims the padding. No encoding here: the engine workers encode, and a WebSocket session can
 * keep one stream going across the pieces they encode separately.
 */
import { EMPTY_BYTES, concatBytes } from '../bytes.ts'
import { OggPageWriter, type OggPacket } from '../ogg/ogg-pages.ts'
import { OPUS_FRAME_SAMPLES, OPUS_RATE } from './opus-constants.ts'

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
 * const ogg = new OggOpusMuxer(312)
 * send(ogg.pages(packets))                        // headers + the first audio page
 * send(ogg.pages(last, { endSamples: total }))    // the end-of-stream page
 */
export class OggOpusMuxer {
  readonly #ogg: OggPageWriter
  #headersSent = false
  /** 20 ms packets written so far. */
  #packets = 0

  constructor(
    private readonly preSkip: number,
    serial = randomSerial(),
  ) {
    this.#ogg = new OggPageWriter(serial)
  }

  /**
   * Pages for `packets` (the headers first, on the first call). With `endSamples` (the input's
   * length at 48 kHz) the last page ends the stream, its granule cutting off the padding.
   */
  pages(packets: readonly Uint8Array[], end?: { endSamples: number }): Uint8Array {
    const out: Uint8Array[] = []
    if (!this.#headersSent) {
      this.#headersSent = true
      out.push(this.#ogg.pages([{ data: opusHead(this.preSkip), granule: 0n }], { bos: true }))
      out.push(this.#ogg.pages([{ data: opusTags(), granule: 0n }]))
    }
    if (packets.length > 0 || end) {
      // A granule counts every sample decoded so far, the pre-skip included (RFC 7845 section 4).
      const first = this.#packets
      const oggPackets: OggPacket[] = packets.map((data, i) => ({ data, granule: BigInt((first + i + 1) * OPUS_FRAME_SAMPLES) }))
      this.#packets += packets.length
      const last = oggPackets.at(-1)
      if (end && last) last.granule = BigInt(this.preSkip + end.endSamples)
      out.push(this.#ogg.pages(oggPackets, { eos: end !== undefined }))
    }
    return out.length === 0 ? EMPTY_BYTES : concatBytes(out)
  }
}
