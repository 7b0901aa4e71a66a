/**
 * The default cache: one file per entry under `TTS_CACHE_DIR`, sharded by
 * the first two hex chars of the key (`<dir>/ab/ab12...`), capped at
 * `TTS_CACHE_MAX_BYTES` with least-recently-used eviction.
 *
 * - Writes go to a temp file in the destination shard, then `rename()`: a
 *   reader sees the old file or the new one, never half of one.
 * - Every file is a checksummed record (record-codec.ts): truncated or
 *   bit-flipped files are deleted on read and count as misses.
 * - The LRU order lives in memory and is mirrored into file mtimes (a strictly
 *   increasing clock), so `open()` rebuilds the same order after a restart. Reads
 *   reach the mtimes in the background within a second (mtime-mirror.ts) and at
 *   `close()`; a crash loses at most that second of recency, never an entry.
 * - The directory is owned by one process: temp files found at start are
 *   leftovers of a crash and are deleted. Replicas share through Redis, not a
 *   shared directory. Files the cache does not recognise are never touched.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { type AudioCache, type CacheCommonOptions, type CachedAudio, type CacheErrorHook, PendingWrites, reportError } from './cache.ts'
import { LruIndex } from './lru-index.ts'
import { MtimeMirror } from './mtime-mirror.ts'
import { decodeRecord, encodeRecord } from './record-codec.ts'

export const DEFAULT_CACHE_DIR = '.cache/tts'
export const DEFAULT_CACHE_MAX_BYTES = 512 * 1024 * 1024

export interface FsCacheOptions extends CacheCommonOptions {
  /** Cache directory, created if missing (`TTS_CACHE_DIR`). */
  dir?: string
  /** Cap on the summed file sizes (`TTS_CACHE_MAX_BYTES`). */
  maxBytes?: number
  /** fsync each file before the rename: survives power loss, costs latency. Default false. */
  fsync?: boolean
  /** How long a read's recency may wait before it reaches the file's mtime, ms. Default 1000. */
  recencyFlushMs?: number
}

const ENTRY_NAME = /^[0-9a-f]{64}$/
const SHARD_NAME = /^[0-9a-f]{2}$/
const TEMP_PREFIX = '.tmp-'

export class FsCache implements AudioCache {
  readonly kind = 'fs' as const
  readonly dir: string
  readonly #maxBytes: number
  readonly #fsync: boolean
  readonly #onError: CacheErrorHook | undefined
  readonly #index = new LruIndex()
  readonly #pending = new PendingWrites()
  readonly #shards = new Set<string>()
  readonly #mtimes: MtimeMirror
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
    this.#fsync = options.fsync ?? false
    this.#onError = options.onError
    this.#mtimes = new MtimeMirror({ intervalMs: options.recencyFlushMs ?? 1000, track: (writes) => void this.#pending.track(writes) })
  }

  async get(key: string): Promise<CachedAudio | undefined> {
    const name = entryName(key)
    if (this.#closed || !this.#index.has(name)) return undefined
    const path = this.#pathOf(name)
    let bytes: Uint8Array
    try {
      bytes = await readFile(path)
    } catch (err) {
      this.#index.remove(name)
      // Gone under our feet (evicted concurrently, deleted by hand): a plain miss.
      if (!isCode(err, 'ENOENT')) reportError(this.#onError, 'get', err)
      return undefined
    }
    let value: CachedAudio
    try {
      value = decodeRecord(key, bytes)
    } catch (err) {
      reportError(this.#onError, 'get', err)
      await unlink(path).catch(() => {})
      this.#index.remove(name)
      return undefined
    }
    const stamp = this.#index.nextStamp()
    // Only the LRU order after a restart depends on the mtime: written in the background.
    if (this.#index.touch(name, stamp)) this.#mtimes.mark(path, stamp)
    return value
  }

  async set(key: string, value: CachedAudio): Promise<void> {
    // An entry larger than the whole cache would only evict everything else (the record is
    // larger still than its body: no need to build it to know).
    if (this.#closed || value.body.byteLength > this.#maxBytes) return
    const record = encodeRecord(key, value)
    if (record.length > this.#maxBytes) return
    await this.#pending.track(this.#write(entryName(key), record))
  }

  bytes(): number {
    return this.#index.bytes
  }

  writable(): boolean {
    return this.#writable && !this.#closed
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#pending.track(this.#mtimes.flush())
    await this.#pending.settled()
  }

  async #write(name: string, record: Uint8Array): Promise<void> {
    const shard = join(this.dir, name.slice(0, 2))
    const temp = join(shard, `${TEMP_PREFIX}${name}-${randomUUID()}`)
    let stamp: number
    try {
      // mkdir once per shard, not per write (it showed in the event loop's profile under load).
      if (!this.#shards.has(shard)) {
        await mkdir(shard, { recursive: true })
        this.#shards.add(shard)
      }
      const file = await open(temp, 'wx', 0o644)
      try {
        await file.writeFile(record)
        stamp = this.#index.nextStamp()
        await file.utimes(stamp / 1000, stamp / 1000)
        if (this.#fsync) await file.sync()
      } finally {
        await file.close()
      }
      await rename(temp, join(shard, name))
    } catch (err) {
      this.#writable = false
      this.#shards.delete(shard) // it may have been removed under us: create it again next time
      reportError(this.#onError, 'set', err)
      await unlink(temp).catch(() => {})
      return
    }
    this.#writable = true
    this.#mtimes.forget(this.#pathOf(name)) // the new file carries its own stamp
    this.#index.put(name, record.length, stamp)
    await this.#evict(name)
  }

  async #evict(keep?: string): Promise<void> {
    const victims = this.#index.evictOver(this.#maxBytes, keep)
    await Promise.all(
      victims.map((name) => {
        const path = this.#pathOf(name)
        this.#mtimes.forget(path)
        return unlink(path).catch((err: unknown) => {
          if (!isCode(err, 'ENOENT')) reportError(this.#onError, 'evict', err)
        })
      }),
    )
  }

  /** Rebuilds the index from the directory, deleting crash leftovers. */
  async #load(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true })
      await this.#probeWrite()
    } catch (err) {
      this.#writable = false
      reportError(this.#onError, 'set', err)
    }
    let shards: string[]
    try {
      shards = (await readdir(this.dir, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory() && SHARD_NAME.test(entry.name))
        .map((entry) => entry.name)
    } catch {
      return // no readable directory: start empty (already reported above when it matters)
    }
    const found: { name: string; size: number; stamp: number }[] = []
    for (const shard of shards) {
      const names = await readdir(join(this.dir, shard)).catch(() => [] as string[])
      await Promise.all(
        names.map(async (name) => {
          const path = join(this.dir, shard, name)
          if (name.startsWith(TEMP_PREFIX)) return unlink(path).catch(() => {})
          if (!ENTRY_NAME.test(name) || name.slice(0, 2) !== shard) return
          const info = await stat(path).catch(() => undefined)
          if (info?.isFile()) found.push({ name, size: info.size, stamp: info.mtimeMs })
        }),
      )
    }
    found.sort((a, b) => a.stamp - b.stamp || a.name.localeCompare(b.name))
    for (const entry of found) this.#index.put(entry.name, entry.size, entry.stamp)
    // The cap may have been lowered since the last run.
    await this.#evict()
  }

  /** mkdir succeeding does not prove files can be created (read-only mount, no space for an inode). */
  async #probeWrite(): Promise<void> {
    const probe = join(this.dir, `${TEMP_PREFIX}probe-${randomUUID()}`)
    const file = await open(probe, 'wx', 0o644)
    await file.close()
    await unlink(probe)
  }

  #pathOf(name: string): string {
    return join(this.dir, name.slice(0, 2), name)
  }
}

/** Keys from cacheKey() are used as-is; anything else is hashed so it can never escape the directory. */
function entryName(key: string): string {
  return ENTRY_NAME.test(key) ? key : new Bun.CryptoHasher('sha256').update(key).digest('hex')
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code
}
