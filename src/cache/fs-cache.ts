/**
 * The default cache: a log of checksummed records (record-codec.ts) under `TTS_CACHE_DIR`,
 * in segment files of at most a sixteenth of `TTS_CACHE_MAX_BYTES` (64 MiB at most), with an
 * index in memory.
 *
 * - A store appends its record to the newest segment (segment-file.ts) and enters it in the
 *   index once the write is whole: a reader sees the entry whole or not at all. A key stored
 *   again is appended again; the index points at the latest copy.
 * - Reads check every record (lengths, CRC-32, the key it was stored under): damaged bytes
 *   are a miss, reported, and never served.
 * - Over the cap, the oldest segment is deleted whole. A read that finds its entry in the
 *   oldest quarter of the cache (what the next quarter-cap of writes evicts) appends a copy to
 *   the newest segment, so entries in use outlive the ones nobody asks for: least-recently-
 *   used eviction, approximated (a copy's old bytes count until their segment goes).
 * - A start-up rebuilds the index from each segment's hint file (segment-hint.ts) and scans
 *   only what no hint covers (segment-scan.ts): a record torn by a crash ends its segment,
 *   which is cut back to the last whole record. Restarted, the cache holds what it held, in
 *   the same order.
 * - The directory is owned by one process: replicas share through Redis, not a shared
 *   directory. Files the cache does not recognise are never touched; the one-file-per-entry
 *   layout of earlier versions is taken into the log at start (legacy-entries.ts).
 */
import { mkdirSync } from 'node:fs'
import { mkdir, open, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { type AudioCache, type CacheCommonOptions, type CachedAudio, type CacheErrorHook, PendingWrites, reportError } from './cache.ts'
import { importLegacyEntries } from './legacy-entries.ts'
import { entryName } from './entry-name.ts'
import { decodeRecord, encodeRecordParts } from './record-codec.ts'
import { appendRecord, openSegment, readRecord, retireSegment, syncSegment, type Segment, type SegmentEntry } from './segment-file.ts'
import { hintPathOf, writeHint } from './segment-hint.ts'
import { loadSegments, PROBE_PREFIX } from './segment-load.ts'

export const DEFAULT_CACHE_DIR = '.cache/tts'
export const DEFAULT_CACHE_MAX_BYTES = 512 * 1024 * 1024
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024

export interface FsCacheOptions extends CacheCommonOptions {
  /** Cache directory, created if missing (`TTS_CACHE_DIR`). */
  dir?: string
  /** Cap on the summed segment sizes (`TTS_CACHE_MAX_BYTES`). */
  maxBytes?: number
  /** fdatasync after each store before it resolves: survives power loss, costs latency. Default false. */
  fsync?: boolean
}

/** Where an entry is: its segment's own entry, which the index points at too (one object per entry held). */
interface Location extends SegmentEntry {
  segment: Segment
}

export class FsCache implements AudioCache {
  readonly kind = 'fs' as const
  readonly dir: string
  readonly #maxBytes: number
  readonly #segmentBytes: number
  readonly #fsync: boolean
  readonly #onError: CacheErrorHook | undefined
  readonly #index = new Map<string, Location>()
  /** Oldest first; the last one is appended to. */
  readonly #segments: Segment[] = []
  readonly #pending = new PendingWrites()
  #bytes = 0
  #nextSeq = 1
  #writable = true
  #closed = false

  /**
   * Opens (creating if needed) a cache directory and rebuilds its index.
   * Never rejects: an unusable directory yields a cache that misses and
   * reports `writable() === false`, so the service still starts.
   *
   * @example
   * ```ts
   * const cache = await FsCache.open({ dir: '.cache/tts', maxBytes: 1 << 30, onError: (op) => errors.inc({ type: `cache_${op}` }) })
   * ```
   */
  static async open(options: FsCacheOptions = {}): Promise<FsCache> {
    const cache = new FsCache(options)
    await cache.#load()
    return cache
  }

  private constructor(options: FsCacheOptions) {
    this.dir = options.dir ?? DEFAULT_CACHE_DIR
    this.#maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES
    this.#segmentBytes = Math.max(1, Math.min(MAX_SEGMENT_BYTES, Math.floor(this.#maxBytes / 16)))
    this.#fsync = options.fsync ?? false
    this.#onError = options.onError
  }

  async get(key: string): Promise<CachedAudio | undefined> {
    const name = entryName(key)
    const at = this.#index.get(name)
    if (this.#closed || !at || at.segment.closed) return undefined
    let value: CachedAudio
    let bytes: Uint8Array
    try {
      bytes = await readRecord(at.segment, at.offset, at.length)
      value = decodeRecord(key, bytes)
    } catch (err) {
      if (this.#index.get(name) === at) this.#index.delete(name)
      reportError(this.#onError, 'get', err)
      return undefined
    }
    // Still the current copy, and due for eviction soon: keep it, as the newest entry.
    if (this.#index.get(name) === at && this.#writable && !this.#closed && this.#evictsSoon(at.segment)) this.#store(name, bytes)
    return value
  }

  async set(key: string, value: CachedAudio): Promise<void> {
    // An entry larger than the whole cache would only evict everything else (the record is
    // larger still than its body: no need to build it to know).
    if (this.#closed || value.body.byteLength > this.#maxBytes) return
    const { head, body } = encodeRecordParts(key, value)
    if (head.length + body.length > this.#maxBytes) return
    const segment = this.#store(entryName(key), [head, body])
    if (segment && this.#fsync) await this.#pending.track(syncSegment(segment).catch((err: unknown) => this.#failed(err)))
  }

  bytes(): number {
    return this.#bytes
  }

  writable(): boolean {
    return this.#writable && !this.#closed
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const active = this.#segments.at(-1)
    // The next start reads the index of what was appended this time instead of scanning it.
    if (active && active.size > 0) await this.#pending.track(this.#writeHintOf(active))
    await this.#pending.settled()
    for (const segment of this.#segments) retireSegment(segment)
  }

  /** Appends a record and indexes it; returns its segment, or undefined when the write failed (reported). */
  #store(name: string, record: Uint8Array | readonly Uint8Array[]): Segment | undefined {
    const length = record instanceof Uint8Array ? record.length : record.reduce((sum, part) => sum + part.length, 0)
    let segment: Segment
    let offset: number
    try {
      segment = this.#segmentFor(length)
      offset = appendRecord(segment, record)
    } catch (err) {
      this.#failed(err)
      return undefined
    }
    this.#writable = true
    const at: Location = { name, offset, length, segment }
    segment.entries.push(at)
    this.#index.set(name, at)
    this.#bytes += length
    this.#evict()
    return segment
  }

  #failed(err: unknown): void {
    this.#writable = false
    reportError(this.#onError, 'set', err)
  }

  /** The segment a record of `length` goes to: the newest, or a new one when it is full. */
  #segmentFor(length: number): Segment {
    const active = this.#segments.at(-1)
    if (active && (active.size === 0 || active.size + length <= this.#segmentBytes)) return active
    // The directory may have been removed under us: make it again rather than fail every write.
    mkdirSync(this.dir, { recursive: true })
    const created = openSegment(this.dir, this.#nextSeq, true)
    this.#nextSeq++
    this.#segments.push(created)
    if (active) void this.#pending.track(this.#writeHintOf(active))
    return created
  }

  /** True when `segment` starts in the oldest quarter of the cache (the next cap/4 of writes reaches it). */
  #evictsSoon(segment: Segment): boolean {
    let older = 0
    for (const s of this.#segments) {
      if (s === segment) break
      older += s.size
    }
    return older < this.#bytes - (this.#maxBytes * 3) / 4
  }

  /** Deletes the oldest segments until the total fits the cap (the newest is never over it). */
  #evict(): void {
    while (this.#bytes > this.#maxBytes && this.#segments.length > 0) {
      const oldest = this.#segments.shift()!
      this.#bytes -= oldest.size
      for (const entry of oldest.entries) {
        if (this.#index.get(entry.name)?.segment === oldest) this.#index.delete(entry.name)
      }
      retireSegment(oldest)
      const remove = (path: string) =>
        unlink(path).catch((err: unknown) => {
          if (!isCode(err, 'ENOENT')) reportError(this.#onError, 'evict', err)
        })
      void this.#pending.track(Promise.all([remove(oldest.path), remove(hintPathOf(oldest.path))]).then(() => {}))
    }
  }

  async #writeHintOf(segment: Segment): Promise<void> {
    const path = hintPathOf(segment.path)
    try {
      await writeHint(path, { covered: segment.size, entries: [...segment.entries] })
    } catch (err) {
      // Without its hint a segment is scanned at the next start: slower, not wrong.
      if (this.#segments.includes(segment)) reportError(this.#onError, 'set', err)
      return
    }
    // Evicted while its hint was being written: the eviction's unlink came first.
    if (!this.#segments.includes(segment)) await unlink(path).catch(() => {})
  }

  /** Rebuilds the index from the directory (segment-load.ts), then takes in the old layout. */
  async #load(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true })
      await this.#probeWrite()
    } catch (err) {
      this.#writable = false
      reportError(this.#onError, 'set', err)
    }
    const loaded = loadSegments(this.dir, (err) => reportError(this.#onError, 'get', err))
    this.#nextSeq = loaded.nextSeq
    for (const segment of loaded.segments) {
      const { entries } = segment
      for (let i = 0; i < entries.length; i++) {
        const at: Location = { ...entries[i]!, segment }
        entries[i] = at
        this.#index.set(at.name, at)
      }
      this.#segments.push(segment)
      this.#bytes += segment.size
    }
    // Sealed segments get their hint now, so the next start does not scan them again.
    for (const segment of loaded.unhinted) void this.#pending.track(this.#writeHintOf(segment))
    if (this.#writable) importLegacyEntries(this.dir, (name, record) => void this.#store(name, record))
    // The cap may have been lowered since the last run.
    this.#evict()
  }

  /** mkdir succeeding does not prove files can be created (read-only mount, no space for an inode). */
  async #probeWrite(): Promise<void> {
    const probe = join(this.dir, `${PROBE_PREFIX}${process.pid}-${Date.now()}`)
    const file = await open(probe, 'wx', 0o644)
    await file.close()
    await unlink(probe)
  }
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code
}
