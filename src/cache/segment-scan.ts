/**
 * Reads a segment's records back without an index (fs-cache.ts, at start): for the part of
 * a segment its hint file does not cover, usually the tail the last run appended to. Every
 * record is checked whole (lengths, checksum, header), and the scan stops at the first one
 * that fails: a write torn by a crash or a power cut ends the segment there.
 */
import { readSync } from 'node:fs'
import { CorruptRecordError, decodeAnyRecord, RECORD_PREFIX_BYTES, recordLength } from './record-codec.ts'

export interface ScannedRecord {
  /** The key the record was stored under (as given to set()). */
  key: string
  offset: number
  length: number
}

export interface ScanResult {
  records: ScannedRecord[]
  /** Where the last whole record ends: the segment's true size. */
  end: number
  /** Why the scan stopped before `size`, if it did. */
  damage?: Error
}

// Read in windows, so a scan holds at most this much (or one record, if larger) in memory.
const WINDOW_BYTES = 4 * 1024 * 1024

/**
 * Scans the records of the open file `fd` from `from` up to `size`.
 *
 * @example
 * const { records, end, damage } = scanSegment(fd, hint?.covered ?? 0, fstatSync(fd).size)
 * if (damage) ftruncateSync(fd, end)
 */
export function scanSegment(fd: number, from: number, size: number): ScanResult {
  const records: ScannedRecord[] = []
  let window = new Uint8Array(0)
  let windowStart = from
  const bytesAt = (offset: number, length: number): Uint8Array => {
    if (offset < windowStart || offset + length > windowStart + window.length) {
      window = new Uint8Array(Math.min(Math.max(WINDOW_BYTES, length), size - offset))
      windowStart = offset
      let done = 0
      while (done < window.length) {
        const n = readSync(fd, window, done, window.length - done, offset + done)
        if (n === 0) break
        done += n
      }
      window = window.subarray(0, done)
    }
    return window.subarray(offset - windowStart, offset - windowStart + length)
  }
  let offset = from
  while (offset < size) {
    try {
      if (size - offset < RECORD_PREFIX_BYTES) throw new CorruptRecordError('torn record prefix at the end')
      const length = recordLength(bytesAt(offset, RECORD_PREFIX_BYTES))
      if (offset + length > size) throw new CorruptRecordError('torn record at the end')
      const { key } = decodeAnyRecord(bytesAt(offset, length))
      records.push({ key, offset, length })
      offset += length
    } catch (err) {
      return { records, end: offset, damage: err instanceof Error ? err : new Error(String(err)) }
    }
  }
  return { records, end: offset }
}
