/**
 * Redis shared between replicas, in front of each replica's own filesystem cache: reads
 * try the local copy first (no network), then Redis (and keep a local copy of what they
 * find); writes go to both. When Redis is down the local cache keeps serving, and when it
 * returns nothing needs doing: the next call reconnects.
 */
import type { AudioCache, CachedAudio, CacheKind } from './cache.ts'

/**
 * @example
 * const cache = new TieredCache(await FsCache.open({ dir }), await RedisCache.open({ url }))
 */
export class TieredCache implements AudioCache {
  readonly kind: CacheKind = 'redis'

  constructor(
    private readonly local: AudioCache,
    private readonly shared: AudioCache,
  ) {}

  async get(key: string): Promise<CachedAudio | undefined> {
    const near = await this.local.get(key)
    if (near) return near
    const far = await this.shared.get(key)
    if (far) await this.local.set(key, far)
    return far
  }

  async set(key: string, value: CachedAudio): Promise<void> {
    await Promise.all([this.local.set(key, value), this.shared.set(key, value)])
  }

  /** What this replica holds locally plus what Redis reports. */
  bytes(): number {
    return this.local.bytes() + this.shared.bytes()
  }

  /** Ready while either tier accepts writes: with Redis down, audio is still cached locally. */
  writable(): boolean {
    return this.local.writable() || this.shared.writable()
  }

  async close(): Promise<void> {
    await Promise.all([this.local.close(), this.shared.close()])
  }
}
