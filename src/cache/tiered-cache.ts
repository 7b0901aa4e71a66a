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
 *   alone decides the kind, the size reported and readiness. It admits an entry on its second
 *   use: a store goes to the far tier only, and the first read from there brings it into
 *   memory. Most texts an LLM speaks are said once; stored in memory too, they would push out
 *   the ones asked for again (and cost a copy and the garbage collector's time for nothing).
 *   A repeat that arrives before the store has landed is served by the speech service's
 *   finished flight. While the far tier cannot take writes (a full disk), stores go to memory
 *   so repeats are still served.
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
    if (!this.#front) {
      await Promise.all([this.near.set(key, value), this.far.set(key, value)])
      return
    }
    await this.far.set(key, value)
    if (!this.far.writable()) await this.near.set(key, value)
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
