/**
 * Picks the backend from configuration (docs/configuration.md):
 * the filesystem under `TTS_CACHE_DIR` capped at `TTS_CACHE_MAX_BYTES`, with
 * Redis as a shared tier behind it when `TTS_REDIS_URL` is set, and a memory tier of
 * `TTS_CACHE_MEMORY_BYTES` in front of both (see tiered-cache.ts).
 */
import type { AudioCache, CacheErrorHook } from './cache.ts'
import { FsCache } from './fs-cache.ts'
import { MemoryCache } from './memory-cache.ts'
import { RedisCache } from './redis-cache.ts'
import { TieredCache } from './tiered-cache.ts'

export const DEFAULT_CACHE_MEMORY_BYTES = 64 * 1024 * 1024

export interface OpenCacheOptions {
  /** `TTS_CACHE_DIR`; default `.cache/tts`. */
  dir?: string
  /** `TTS_CACHE_MAX_BYTES`; default 512 MiB. */
  maxBytes?: number
  /** `TTS_REDIS_URL`; when set, a Redis tier shared by the replicas sits behind the local one. */
  redisUrl?: string
  /** `TTS_CACHE_MEMORY_BYTES`: the memory tier in front; default 64 MiB, 0 for none. */
  memoryBytes?: number
  /** Expiry of Redis entries in seconds; default 7 days, 0 for none. */
  redisTtlSeconds?: number
  onError?: CacheErrorHook
}

/**
 * Opens the configured cache. Never rejects for an unreachable backend (the
 * cache then misses and `writable()` is false); rejects only for an unusable
 * Redis URL, which config validation should have caught.
 *
 * @example
 * ```ts
 * const cache = await openAudioCache({ dir: config.cacheDir, maxBytes: config.cacheMaxBytes, memoryBytes: config.memoryBytes, redisUrl: config.redisUrl, onError })
 * ```
 */
export async function openAudioCache(options: OpenCacheOptions = {}): Promise<AudioCache> {
  const { onError } = options
  const local = await FsCache.open({ dir: options.dir, maxBytes: options.maxBytes, onError })
  // Redis is shared by the replicas; the local tier keeps serving when Redis is down.
  const stored = options.redisUrl
    ? new TieredCache(local, await RedisCache.open({ url: options.redisUrl, ttlSeconds: options.redisTtlSeconds, onError }))
    : local
  // A cache switched off (a cap of 0) gets no memory tier either.
  const memoryBytes = Math.min(options.memoryBytes ?? DEFAULT_CACHE_MEMORY_BYTES, options.maxBytes ?? Number.POSITIVE_INFINITY)
  if (memoryBytes <= 0) return stored
  return new TieredCache(new MemoryCache({ maxBytes: memoryBytes }), stored, { front: true })
}
