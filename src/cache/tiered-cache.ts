/**
 * Two caches as one: reads try the near tier first, then the far one (keeping a near copy
 * of what they find); writes go to both. Used twice:
 *
 * - Redis shared between replicas behind each replica's filesystem cache: when Redis is down
 *   the local cache keeps serving, and when it returns nothing needs doing (the next call
 *   reconnects). Either tier accepting writes keeps the replica ready.
 * - A bytes-bounded memory tier in front of everything (`front: true`): a hit costs no file
 *   read and no checksum, since a far tier verifies a record when it loads it and the memory
 *   copy cannot rot. The memory tier is only a faster copy of the far one, so the far tier
 *   alone decides the kind, the size reported and readiness.
 */
import type { AudioCache, CachedAudio, CacheKind } from './cache.ts'

export interface TieredCacheOptions {
  /** The near tier is a copy of the far one (a memory tier): report the far tier's kind, bytes and writability. */
  front?: boolean
}

/**
 * @example
 * const local = new TieredCache(await FsCache.open({ dir }), await RedisCache.open({ url }))
 * const cache = new TieredCache(new MemoryCache({ maxBytes: 64 << 20 }), local, { front: true })
 */
export class TieredCache implements AudioCache {
  readonly kind: CacheKind
  readonly #front: boolean

  constructor(
    private readonly near: AudioCache,
    private readonly far: AudioCache,
    options: TieredCacheOptions = {},
  ) {
    this.#front = options.front ?? false
    this.kind = this.#front ? far.kind : 'redis'
  }

  async get(key: string): Promise<CachedAudio | undefined> {
    const near = await this.near.get(key)
    if (near) return near
    const far = await this.far.get(key)
    if (far) await this.near.set(key, far)
    return far
  }

  async set(key: string, value: CachedAudio): Promise<void> {
    await Promise.all([this.near.set(key, value), this.far.set(key, value)])
  }

  /** Redis: what this replica holds locally plus what Redis reports. Memory front: the far tier's (the copy is not extra data). */
  bytes(): number {
    return this.#front ? this.far.bytes() : this.near.bytes() + this.far.bytes()
  }

  /**
   * Redis: ready while either tier accepts writes (with Redis down, audio is still cached locally).
   * Memory front: the far tier's, so a full disk still shows on `/readyz`.
   */
  writable(): boolean {
    return this.#front ? this.far.writable() : this.near.writable() || this.far.writable()
  }

  async close(): Promise<void> {
    await Promise.all([this.near.close(), this.far.close()])
  }
}
