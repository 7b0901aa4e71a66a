/**
 * The shared cache for replicas (`TTS_REDIS_URL`), on Bun's built-in
 * RedisClient. Values are the same checksummed records as on disk
 * (record-codec.ts), written as bytes and read with `getBuffer` so audio stays
 * binary-exact.
 *
 * Redis must never make a request slower or fail it: every call goes through a
 * RedisConnection (bounded, reconnecting with a backoff; see redis-connection.ts), and a
 * failure is a miss / no-op reported via `onError`.
 */
import { type AudioCache, type CacheCommonOptions, type CachedAudio, type CacheErrorHook, PendingWrites, reportError } from './cache.ts'
import { decodeRecord, encodeRecord } from './record-codec.ts'
import { RedisConnection, type RedisConnectionOptions } from './redis-connection.ts'

export { RedisUnavailableError } from './redis-connection.ts'

export interface RedisCacheOptions extends CacheCommonOptions, RedisConnectionOptions {
  /** Prepended to every key. Default `tts:audio:`. */
  prefix?: string
  /** Expiry of each entry in seconds; 0 keeps entries until Redis evicts them. Default 7 days. */
  ttlSeconds?: number
  /** How often `bytes()` is refreshed from `INFO memory` (also a reconnect probe); 0 disables. Default 15 s. */
  refreshMs?: number
}

export class RedisCache implements AudioCache {
  readonly kind = 'redis' as const
  readonly #redis: RedisConnection
  readonly #prefix: string
  readonly #ttlSeconds: number
  readonly #onError: CacheErrorHook | undefined
  readonly #pending = new PendingWrites()
  readonly #timer: ReturnType<typeof setInterval> | undefined
  #lastWriteFailed = false
  #usedMemory = 0
  #closed = false

  /**
   * Connects (bounded by `timeoutMs`) and reads the memory figure once.
   * Resolves even when Redis is down: the cache then misses until it comes back.
   * Rejects only for a URL the client cannot parse.
   *
   * @example
   * ```ts
   * const cache = await RedisCache.open({ url: 'redis://redis:6379', ttlSeconds: 86400, onError })
   * ```
   */
  static async open(options: RedisCacheOptions): Promise<RedisCache> {
    const cache = new RedisCache(options)
    await cache.#refresh()
    return cache
  }

  private constructor(options: RedisCacheOptions) {
    this.#redis = new RedisConnection(options)
    // The failure was most likely the connection; let the next write prove otherwise.
    this.#redis.onConnect = () => (this.#lastWriteFailed = false)
    this.#prefix = options.prefix ?? 'tts:audio:'
    this.#ttlSeconds = options.ttlSeconds ?? 7 * 24 * 3600
    this.#onError = options.onError
    const refreshMs = options.refreshMs ?? 15_000
    if (refreshMs > 0) {
      this.#timer = setInterval(() => void this.#refresh(), refreshMs)
      this.#timer.unref()
    }
  }

  async get(key: string): Promise<CachedAudio | undefined> {
    if (this.#closed) return undefined
    const redisKey = this.#prefix + key
    let bytes: Uint8Array | null
    try {
      bytes = await this.#redis.call('GET', (client) => client.getBuffer(redisKey))
    } catch (err) {
      reportError(this.#onError, 'get', err)
      return undefined
    }
    if (!bytes) return undefined
    try {
      return decodeRecord(key, bytes)
    } catch (err) {
      reportError(this.#onError, 'get', err)
      await this.#redis.call('DEL', (client) => client.del(redisKey)).catch(() => {})
      return undefined
    }
  }

  async set(key: string, value: CachedAudio): Promise<void> {
    if (this.#closed) return
    await this.#pending.track(this.#write(this.#prefix + key, encodeRecord(key, value)))
  }

  /** Redis `used_memory` at the last refresh: shared by all replicas, not this one's share. */
  bytes(): number {
    return this.#usedMemory
  }

  writable(): boolean {
    return !this.#closed && this.#redis.connected && !this.#lastWriteFailed
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    await this.#pending.settled()
    this.#redis.close()
  }

  async #write(redisKey: string, record: Uint8Array): Promise<void> {
    try {
      await this.#redis.call('SET', (client) =>
        this.#ttlSeconds > 0 ? client.set(redisKey, record, 'EX', this.#ttlSeconds) : client.set(redisKey, record),
      )
      this.#lastWriteFailed = false
    } catch (err) {
      this.#lastWriteFailed = true
      reportError(this.#onError, 'set', err)
    }
  }

  /** Reads `used_memory`; doubles as the reconnect probe when no traffic arrives. */
  async #refresh(): Promise<void> {
    if (this.#closed) return
    try {
      const info: unknown = await this.#redis.call('INFO', (client) => client.send('INFO', ['memory']))
      const match = typeof info === 'string' ? /^used_memory:(\d+)/m.exec(info) : null
      if (match?.[1]) this.#usedMemory = Number(match[1])
    } catch {
      // Keep the last figure; the failure is already visible through get/set.
    }
  }
}
