/**
 * Ogg pages (RFC 3533) for one logical stream: packets in, pages out, with lacing, CRC-32,
 * page sequence numbers, continuation and BOS/EOS flags. Our own writer because the muxers on
 * npm either buffer the whole file (no streaming) or want to own the encoder; this one is about
 * a hundred lines and checked against ffprobe/ffmpeg and a fuzz test.
 */
import { concatBytes } from '../bytes.ts'
import { crc32 } from '../crc.ts'

const HEADER_BYTES = 27
const MAX_SEGMENTS = 255
const FLAG_CONTINUED = 0x01
const FLAG_BOS = 0x02
const FLAG_EOS = 0x04
/** Granule position of a page on which no packet ends. */
export const NO_GRANULE = -1n

export interface OggPacket {
  data: Uint8Array
  /** Granule position once this packet is decoded (for Opus: 48 kHz samples including pre-skip). */
  granule: bigint
}

/**
 * Writes one logical Ogg stream. Every `pages()` call returns whole pages for the packets it
 * was given (a page never waits for later packets, so streaming clients get audio at once).
 *
 * @example
 * const ogg = new OggPageWriter(serial)
 * send(ogg.pages([{ data: opusHead, granule: 0n }], { bos: true }))
 * send(ogg.pages(audioPackets, { eos: true }))
 */
export class OggPageWriter {
  #sequence = 0
  #ended = false

  constructor(private readonly serial: number) {}

  /** True once a page with the end-of-stream flag was written. */
  get ended(): boolean {
    return this.#ended
  }

  /**
   * Pages carrying `packets` in order (several pages when they need more than 255 lacing
   * values; a packet may then continue on the next page). `bos` marks the first page, `eos`
   * the last one written. With no packets and `eos`, writes an empty end-of-stream page.
   */
  pages(packets: readonly OggPacket[], flags: { bos?: boolean; eos?: boolean } = {}): Uint8Array {
    if (this.#ended) throw new Error('ogg stream already ended')
    const out: Uint8Array[] = []
    let segments: number[] = []
    let body: Uint8Array[] = []
    let granule = NO_GRANULE
    let continued = false
    let bos = flags.bos ?? false
    const emit = (last: boolean, nextContinues: boolean) => {
      out.push(this.#page(segments, body, granule, (continued ? FLAG_CONTINUED : 0) | (bos ? FLAG_BOS : 0) | (last && flags.eos ? FLAG_EOS : 0)))
      ;[segments, body, granule, continued, bos] = [[], [], NO_GRANULE, nextContinues, false]
    }
    packets.forEach((packet, index) => {
      const { data } = packet
      let at = 0
      // A packet is lacing values of 255 ended by one below 255 (0 when the length is a multiple of 255).
      while (true) {
        if (segments.length === MAX_SEGMENTS) emit(false, at > 0)
        const take = Math.min(255, data.length - at)
        segments.push(take)
        body.push(data.subarray(at, at + take))
        at += take
        if (take < 255) break
      }
      granule = packet.granule
      if (index === packets.length - 1) emit(true, false)
    })
    if (packets.length === 0 && (flags.eos || bos)) emit(true, false)
    if (flags.eos) this.#ended = true
    return concatBytes(out)
  }

  #page(segments: number[], body: Uint8Array[], granule: bigint, flags: number): Uint8Array {
    const bodyBytes = body.reduce((n, b) => n + b.length, 0)
    const page = new Uint8Array(HEADER_BYTES + segments.length + bodyBytes)
    const view = new DataView(page.buffer)
    page.set([0x4f, 0x67, 0x67, 0x53]) // "OggS"
    page[4] = 0 // version
    page[5] = flags
    view.setBigUint64(6, BigInt.asUintN(64, granule), true)
    view.setUint32(14, this.serial >>> 0, true)
    view.setUint32(18, this.#sequence++, true)
    page[26] = segments.length
    page.set(segments, HEADER_BYTES)
    let at = HEADER_BYTES + segments.length
    for (const part of body) {
      page.set(part, at)
      at += part.length
    }
    view.setUint32(22, crc32(page), true)
    return page
  }
}
