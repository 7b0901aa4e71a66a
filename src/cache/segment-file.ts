/**
 * One segment of the filesystem cache's log (fs-cache.ts): a file records are appended to
 * and read back from by offset, with an open descriptor for its whole life in the cache.
 *
 * Appends are synchronous writes at the segment's end: a write of a few KiB into the page
 * cache costs about 7 µs of CPU here, against 28 µs for the same write through the thread
 * pool, and never waits for the disk (bench/RESULTS.md). Reads are asynchronous: a record
 * not in the page cache would wait for the disk. A failed append (disk full) is cut off
 * again, so the file never holds half a record followed by whole ones.
 */
import { closeSync, fdatasync, ftruncateSync, openSync, read, writeSync, writevSync } from 'node:fs'
import { join } from 'node:path'

/** Where a record lives. */
export interface SegmentEntry {
  /** The entry's file-safe key (see entryName in fs-cache.ts). */
  name: string
  offset: number
  length: number
}

export interface Segment {
  readonly seq: number
  readonly path: string
  readonly fd: number
  /** Bytes written: where the next record goes. */
  size: number
  /** Every record appended, in order (some may since be superseded by a later copy). */
  readonly entries: SegmentEntry[]
  /** Reads in flight: the descriptor is closed only once they are done. */
  readers: number
  /** Evicted or closed: close the descriptor when the last reader is done. */
  retired: boolean
  /** The descriptor is closed (its number may already belong to another file). */
  closed: boolean
}

const SEGMENT_FILE = /^([0-9a-f]{16})\.seg$/

/** `0000000000000001.seg`: names sort in sequence order. */
export function segmentFileName(seq: number): string {
  return `${seq.toString(16).padStart(16, '0')}.seg`
}

/** The sequence number of a segment file's name, or undefined for any other file. */
export function segmentSeqOf(fileName: string): number | undefined {
  const match = SEGMENT_FILE.exec(fileName)
  return match ? Number.parseInt(match[1]!, 16) : undefined
}

/**
 * Opens a segment file: a new one (`create`, which must not exist yet) or one found at start.
 * Throws what open(2) throws.
 *
 * @example
 * const segment = openSegment(dir, 7, true)
 * appendRecord(segment, record)
 */
export function openSegment(dir: string, seq: number, create: boolean): Segment {
  const path = join(dir, segmentFileName(seq))
  const fd = openSync(path, create ? 'wx+' : 'r+', 0o644)
  return { seq, path, fd, size: 0, entries: [], readers: 0, retired: false, closed: false }
}

/**
 * Appends `record` (whole, or as parts written in one `writev`) and returns its offset. On
 * failure the file is cut back to its previous end and the error is thrown.
 *
 * @example
 * const { head, body } = encodeRecordParts(key, value)
 * const offset = appendRecord(segment, [head, body])
 */
export function appendRecord(segment: Segment, record: Uint8Array | readonly Uint8Array[]): number {
  const parts = record instanceof Uint8Array ? [record] : record
  const length = parts.reduce((sum, part) => sum + part.length, 0)
  const offset = segment.size
  try {
    let written = parts.length === 1 ? 0 : writevSync(segment.fd, parts as Uint8Array[], offset)
    // A short write (rare: a signal, a full disk) goes on part by part from where it stopped.
    let start = 0
    for (const part of parts) {
      const end = start + part.length
      while (written < end) written += writeSync(segment.fd, part, written - start, end - written, offset + written)
      start = end
    }
  } catch (err) {
    try {
      ftruncateSync(segment.fd, offset)
    } catch {
      // The next append starts at `offset` anyway and overwrites what is there.
    }
    throw err
  }
  segment.size = offset + length
  return offset
}

/**
 * Reads `length` bytes at `offset`; fewer when the file is shorter (a damaged segment: the
 * record check then fails).
 *
 * @example
 * const bytes = await readRecord(segment, entry.offset, entry.length)
 */
export async function readRecord(segment: Segment, offset: number, length: number): Promise<Uint8Array> {
  if (segment.closed) throw new Error(`segment ${segment.seq} is closed`)
  segment.readers++
  try {
    const buffer = new Uint8Array(length)
    let done = 0
    while (done < length) {
      const n = await new Promise<number>((resolve, reject) =>
        read(segment.fd, buffer, done, length - done, offset + done, (err, bytes) => (err ? reject(err) : resolve(bytes))),
      )
      if (n === 0) return buffer.subarray(0, done)
      done += n
    }
    return buffer
  } finally {
    segment.readers--
    if (segment.retired && segment.readers === 0) closeQuietly(segment)
  }
}

/** Cuts a segment back to `size` (the end of its last whole record). Throws what ftruncate(2) throws. */
export function truncateSegment(segment: Segment, size: number): void {
  ftruncateSync(segment.fd, size)
  segment.size = size
}

/** Waits until what was appended so far is on the disk (fdatasync). */
export function syncSegment(segment: Segment): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(segment.fd, (err) => (err ? reject(err) : resolve())))
}

/** Stops using a segment: its descriptor is closed now, or when the last read in flight is done. */
export function retireSegment(segment: Segment): void {
  if (segment.retired) return
  segment.retired = true
  if (segment.readers === 0) closeQuietly(segment)
}

function closeQuietly(segment: Segment): void {
  if (segment.closed) return
  segment.closed = true
  try {
    closeSync(segment.fd)
  } catch {
    // Already closed: nothing holds it.
  }
}
