/**
 * The filesystem cache's start (fs-cache.ts): its segments found again in the directory,
 * each one's entries from its hint file, and what no hint covers scanned record by record. A
 * record torn by a crash ends its segment, which is cut back to the last whole record; damage
 * anywhere but at the end of the newest segment is reported. Leftovers of interrupted work
 * (a hint's temporary file, the hint of a segment evicted meanwhile, a write probe) are
 * deleted; any other file is left alone.
 */
import { fstatSync, readdirSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { entryName } from './entry-name.ts'
import { openSegment, segmentSeqOf, truncateSegment, type Segment } from './segment-file.ts'
import { hintPathOf, isHintTemp, readHint } from './segment-hint.ts'
import { scanSegment } from './segment-scan.ts'

/** Files named so are the cache's own write probes (see fs-cache.ts). */
export const PROBE_PREFIX = '.probe-'

export interface LoadedSegments {
  /** Oldest first. */
  segments: Segment[]
  /** Sealed segments (all but the newest) whose hint did not cover them: worth writing one. */
  unhinted: Segment[]
  nextSeq: number
}

/**
 * Opens every segment under `dir`. Never throws: a segment that cannot be opened is skipped
 * and reported, an unreadable directory yields none.
 *
 * @example
 * const { segments, unhinted, nextSeq } = loadSegments(dir, (err) => reportError(onError, 'get', err))
 */
export function loadSegments(dir: string, report: (err: unknown) => void): LoadedSegments {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return { segments: [], unhinted: [], nextSeq: 1 }
  }
  const seqs = names.flatMap((name) => segmentSeqOf(name) ?? []).sort((a, b) => a - b)
  const segments: Segment[] = []
  const unhinted: Segment[] = []
  for (const seq of seqs) {
    const last = seq === seqs.at(-1)
    const loaded = loadSegment(dir, seq, last, report)
    if (!loaded) continue
    segments.push(loaded.segment)
    if (!last && !loaded.hinted) unhinted.push(loaded.segment)
  }
  const hints = new Set(segments.map((s) => hintPathOf(s.path)))
  for (const name of names) {
    const path = join(dir, name)
    const orphanHint = name.endsWith('.hint') && segmentSeqOf(name.replace(/\.hint$/, '.seg')) !== undefined && !hints.has(path)
    if (name.startsWith(PROBE_PREFIX) || isHintTemp(name) || orphanHint) removeQuietly(path)
  }
  return { segments, unhinted, nextSeq: (seqs.at(-1) ?? 0) + 1 }
}

function loadSegment(dir: string, seq: number, last: boolean, report: (err: unknown) => void): { segment: Segment; hinted: boolean } | undefined {
  let segment: Segment
  let size: number
  try {
    segment = openSegment(dir, seq, false)
    size = fstatSync(segment.fd).size
  } catch (err) {
    report(err)
    return undefined
  }
  const hint = readHint(hintPathOf(segment.path))
  const covered = hint && hint.covered <= size ? hint.covered : 0
  if (covered) segment.entries.push(...hint!.entries)
  const scan = scanSegment(segment.fd, covered, size)
  for (const record of scan.records) segment.entries.push({ name: entryName(record.key), offset: record.offset, length: record.length })
  segment.size = scan.end
  if (scan.end < size) {
    // A torn last write is what a crash leaves; damage anywhere else is worth a report.
    if (!last) report(scan.damage)
    try {
      truncateSegment(segment, scan.end)
    } catch (err) {
      report(err)
    }
  }
  return { segment, hinted: covered === segment.size }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}
