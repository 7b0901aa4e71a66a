/**
 * Property tests for the Ogg page writer: whatever the packet sizes (empty, multiples of 255,
 * longer than a page) and however they are grouped into calls, the pages parse back with valid
 * CRCs to the same packets, with consecutive sequence numbers, the right granules and flags.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { NO_GRANULE, OggPageWriter, type OggPacket } from './ogg-pages.ts'
import { oggPackets, readOggPages } from './ogg-reader.ts'

const size = fc.oneof(
  fc.integer({ min: 0, max: 600 }),
  fc.constantFrom(0, 254, 255, 256, 510, 765, 255 * 255, 255 * 255 - 1, 255 * 255 + 1),
  fc.integer({ min: 600, max: 70_000 }),
)
/** Calls to `pages()`: each a group of packet sizes. */
const calls = fc.array(fc.array(size, { maxLength: 12 }), { minLength: 1, maxLength: 8 })

function packetOf(length: number, index: number): Uint8Array {
  const data = new Uint8Array(length)
  for (let i = 0; i < length; i++) data[i] = (i * 31 + index * 7) & 0xff
  return data
}

describe('OggPageWriter, any packets in any grouping', () => {
  test('pages parse back to the same packets, in order, with CRC, sequence, granule and flags right', () => {
    fc.assert(
      fc.property(calls, fc.integer({ min: 0, max: 2 ** 32 - 1 }), (groups, serial) => {
        const writer = new OggPageWriter(serial)
        const sent: OggPacket[] = []
        const parts: Uint8Array[] = []
        groups.forEach((sizes, call) => {
          const packets = sizes.map((length) => ({ data: packetOf(length, sent.length), granule: BigInt(sent.length + 1) * 960n }))
          sent.push(...packets)
          parts.push(writer.pages(packets, { bos: call === 0, eos: call === groups.length - 1 }))
        })
        const pages = readOggPages(new Uint8Array(Buffer.concat(parts)))
        const back = oggPackets(pages)
        expect(back.map((p) => p.length)).toEqual(sent.map((p) => p.data.length))
        back.forEach((packet, i) => expect(Buffer.compare(packet, sent[i]!.data)).toBe(0))
        expect(pages.map((p) => p.sequence)).toEqual(pages.map((_, i) => i))
        expect(new Set(pages.map((p) => p.serial))).toEqual(new Set([serial]))
        expect(pages.map((p) => p.flags & 0x02)).toEqual(pages.map((_, i) => (i === 0 ? 0x02 : 0)))
        expect(pages.map((p) => p.flags & 0x04)).toEqual(pages.map((_, i) => (i === pages.length - 1 ? 0x04 : 0)))
        let completed = 0
        let continuing = false
        for (const page of pages) {
          expect(page.segments.length).toBeLessThanOrEqual(255)
          expect(Boolean(page.flags & 0x01)).toBe(continuing)
          const ends = page.segments.filter((s) => s < 255).length
          completed += ends
          // The granule is the last packet completed on the page, or -1 when none completes.
          expect(page.granule).toBe(ends === 0 ? NO_GRANULE : sent[completed - 1]!.granule)
          continuing = page.segments.length > 0 && page.segments.at(-1) === 255
        }
        expect(completed).toBe(sent.length)
        expect(writer.ended).toBe(true)
      }),
      { numRuns: 100 },
    )
  })

  test('a flipped byte anywhere fails the CRC check', () => {
    fc.assert(
      fc.property(fc.array(size, { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (sizes, at, flip) => {
        const writer = new OggPageWriter(1)
        const file = writer.pages(sizes.map((length, i) => ({ data: packetOf(length, i), granule: BigInt(i) })), { bos: true, eos: true })
        const corrupt = file.slice()
        const index = at % corrupt.length
        corrupt[index]! ^= flip
        expect(() => readOggPages(corrupt)).toThrow()
      }),
      { numRuns: 200 },
    )
  })

  test('nothing may follow the end-of-stream page', () => {
    const writer = new OggPageWriter(3)
    writer.pages([], { bos: true, eos: true })
    expect(() => writer.pages([{ data: new Uint8Array(1), granule: 0n }])).toThrow('ended')
  })
})
