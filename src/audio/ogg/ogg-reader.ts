/**
 * Parses Ogg pages back (capture pattern, version, CRC, lacing), for tests that check what
 * the writer and the HTTP routes produced, and for the fuzz test's round trip.
 */
import { concatBytes } from '../bytes.ts'
import { crc32 } from '../crc.ts'

export interface OggPage {
  flags: number
  granule: bigint
  serial: number
  sequence: number
  /** Lacing values as written. */
  segments: number[]
  body: Uint8Array
  /** Offset of the page in the input. */
  offset: number
  length: number
}

/**
 * Every page in `bytes`, in order; throws on a bad capture pattern, version, CRC or a truncated page.
 *
 * @example
 * const pages = readOggPages(file)
 * pages.at(-1)!.flags & 4 // end of stream
 */
export function readOggPages(bytes: Uint8Array): OggPage[] {
  const pages: OggPage[] = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 0
  while (at < bytes.length) {
    if (at + 27 > bytes.length) throw new Error(`truncated page header at ${at}`)
    if (view.getUint32(at) !== 0x4f676753) throw new Error(`no OggS capture pattern at ${at}`)
    if (bytes[at + 4] !== 0) throw new Error(`unknown Ogg version at ${at}`)
    const count = bytes[at + 26]!
    const segments = [...bytes.subarray(at + 27, at + 27 + count)]
    const length = 27 + count + segments.reduce((n, s) => n + s, 0)
    if (at + length > bytes.length) throw new Error(`truncated page at ${at}`)
    const page = bytes.slice(at, at + length)
    const stored = new DataView(page.buffer).getUint32(22, true)
    page.fill(0, 22, 26)
    if (crc32(page) !== stored) throw new Error(`bad CRC in page at ${at}`)
    pages.push({
      flags: bytes[at + 5]!,
      granule: view.getBigInt64(at + 6, true),
      serial: view.getUint32(at + 14, true),
      sequence: view.getUint32(at + 18, true),
      segments,
      body: bytes.subarray(at + 27 + count, at + length),
      offset: at,
      length,
    })
    at += length
  }
  return pages
}

/**
 * The packets the pages carry, joined across page boundaries (continued packets).
 *
 * @example
 * const [head, tags, ...audio] = oggPackets(readOggPages(file))
 */
export function oggPackets(pages: readonly OggPage[]): Uint8Array[] {
  const packets: Uint8Array[] = []
  let partial: Uint8Array[] = []
  for (const page of pages) {
    let at = 0
    for (const lace of page.segments) {
      partial.push(page.body.subarray(at, at + lace))
      at += lace
      if (lace < 255) {
        packets.push(concatBytes(partial).slice())
        partial = []
      }
    }
  }
  return packets
}
