/**
 * Hint files: a segment's index, so a start-up reads a few bytes per entry instead of every
 * record (fs-cache.ts). `<seq>.hint` lists the records of `<seq>.seg` up to the size it
 * covers; the records appended after that (the last run's tail) are scanned. A hint that
 * fails its checksum, or covers more than its segment holds, is ignored and the segment is
 * scanned whole. Reads check every record anyway, so a hint can make an entry a miss, never
 * serve wrong bytes.
 *
 * Layout (integers big-endian):
 * ```
 * 0   4  magic "TTSH"
 * 4   1  version (1)
 * 5   3  zero
 * 8   8  bytes of the segment covered (float64)
 * 16  4  entry count N
 * 20  4  CRC-32 over everything after byte 24
 * 24  48 x N  entry: name (32 bytes, the hex key as binary), offset (float64), length (float64)
 * ```
 */
import { readFileSync } from 'node:fs'
import { rename, writeFile } from 'node:fs/promises'
import type { SegmentEntry } from './segment-file.ts'

const MAGIC = [0x54, 0x54, 0x53, 0x48] // "TTSH"
const VERSION = 1
const HEADER_BYTES = 24
const ENTRY_BYTES = 48

export interface Hint {
  covered: number
  entries: SegmentEntry[]
}

/** `<seq>.hint` beside `<seq>.seg`. */
export function hintPathOf(segmentPath: string): string {
  return segmentPath.replace(/\.seg$/, '.hint')
}

/** The temporary name a hint is written under before its rename. */
export function isHintTemp(fileName: string): boolean {
  return /^[0-9a-f]{16}\.hint\.tmp$/.test(fileName)
}

/**
 * @example
 * const bytes = encodeHint({ covered: segment.size, entries: segment.entries })
 */
export function encodeHint(hint: Hint): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + ENTRY_BYTES * hint.entries.length)
  const view = new DataView(out.buffer)
  out.set(MAGIC, 0)
  out[4] = VERSION
  view.setFloat64(8, hint.covered)
  view.setUint32(16, hint.entries.length)
  for (const [i, entry] of hint.entries.entries()) {
    const at = HEADER_BYTES + i * ENTRY_BYTES
    out.set(Buffer.from(entry.name, 'hex'), at)
    view.setFloat64(at + 32, entry.offset)
    view.setFloat64(at + 40, entry.length)
  }
  view.setUint32(20, Bun.hash.crc32(out.subarray(HEADER_BYTES)))
  return out
}

/** The hint in `bytes`, or undefined when they are not a whole, valid hint. */
export function decodeHint(bytes: Uint8Array): Hint | undefined {
  if (bytes.length < HEADER_BYTES || MAGIC.some((byte, i) => bytes[i] !== byte) || bytes[4] !== VERSION) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const count = view.getUint32(16)
  if (bytes.length !== HEADER_BYTES + count * ENTRY_BYTES) return undefined
  if (view.getUint32(20) !== Bun.hash.crc32(bytes.subarray(HEADER_BYTES))) return undefined
  const covered = view.getFloat64(8)
  const entries: SegmentEntry[] = []
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * ENTRY_BYTES
    const entry = { name: Buffer.from(bytes.subarray(at, at + 32)).toString('hex'), offset: view.getFloat64(at + 32), length: view.getFloat64(at + 40) }
    if (!(entry.offset >= 0 && entry.length > 0 && entry.offset + entry.length <= covered)) return undefined
    entries.push(entry)
  }
  return { covered, entries }
}

/** Reads a hint file; undefined when it is missing or damaged. */
export function readHint(path: string): Hint | undefined {
  try {
    return decodeHint(readFileSync(path))
  } catch {
    return undefined
  }
}

/**
 * Writes a hint under a temporary name, then renames it: a reader sees the old hint or the
 * new one. Rejects with the file system's error.
 *
 * @example
 * await writeHint(hintPathOf(segment.path), { covered: segment.size, entries: [...segment.entries] })
 */
export async function writeHint(path: string, hint: Hint): Promise<void> {
  const temp = `${path}.tmp`
  await writeFile(temp, encodeHint(hint))
  await rename(temp, path)
}
