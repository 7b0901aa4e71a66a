/**
 * The shared cache for replicas (`TTS_REDIS_URL`), on Bun's built-in
 * RedisClient. Values are the same checksummed records as on disk
 * (record-codec.ts), written as bytes and read with `getBuffer` so audio stays
 * binary-exact.
 *
 * Redis must never make a request slower or fail it:
 * - every call (connect included) is bounded by `timeoutMs`; a timeout or an
 *   error is a miss / no-op reported via `onError`;
 * - the offline queue is off, so commands fail at once while disconnected
 *   instead of piling up;
 * - reconnection is ours, not the client's: Bun's own retry loop makes
 *   `connect()` wait for all its retries (about 30 s) and then gives up for
 *   good. Here a call or the background refresh reconnects on demand, with a
 *   backoff so a dead server is not hammered by every request;
 * - after a few consecutive timeouts (a hung server or a half-open socket) the
 *   connection is dropped and rebuilt.
 */
import { RedisClient } from 'bun'
import { type AudioCache, type CacheCommonOptions, type CachedAudio, type CacheErrorHook, PendingWrites, reportError } from './cache.ts'
import { decodeRecord, encodeRecord } from './record-codec.ts'
import { CacheTimeoutError, withTimeout } from './with-timeout.ts'

export interface RedisCacheOptions extends CacheCommonOptions {
  /** `redis://[user:pass@]host:port[/db]` (`TTS_REDIS_URL`). */
  url: string
  /** Prepended to every key. Default `tts:audio:`. */
  prefix?: string
  /** Expiry of each entry in seconds; 0 keeps entries until Redis evicts them. Default 7 days. */
  ttlSeconds?: number
  /** Budget of one call, connecting included. Default 250 ms. */
  timeoutMs?: number
  /** Delay before retrying a failed connect, doubling up to `max`. Default 100 ms to 5 s. */
  reconnectBackoffMs?: { min: number; max: number }
  /** How often `bytes()` is refreshed from `INFO memory` (also a reconnect probe); 0 disables. Default 15 s. */
  refreshMs?: number
}

/** Raised instead of connecting while the reconnect backoff runs. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError'
}

const TIMEOUTS_BEFORE_RESET = 3

export class RedisCache implements AudioCache {
  readonly kind = 'redis' as const
  readonly #client: RedisClient
  readonly #prefix: string
  readonly #ttlSeconds: number
  readonly #timeoutMs: number
  readonly #backoff: { min: number; max: number }
  readonly #onError: CacheErrorHook | undefined
  readonly #pending = new PendingWrites()
  readonly #timer: ReturnType<typeof setInterval> | undefined
  #connecting: Promise<void> | undefined
  #nextAttemptAt = 0
  #delay: number
  #timeouts = 0
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
    this.#client = new RedisClient(options.url, {
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: Math.max(options.timeoutMs ?? 250, 1000),
    })
    this.#prefix = options.prefix ?? 'tts:audio:'
    this.#ttlSeconds = options.ttlSeconds ?? 7 * 24 * 3600
    this.#timeoutMs = options.timeoutMs ?? 250
    this.#backoff = options.reconnectBackoffMs ?? { min: 100, max: 5000 }
    this.#delay = this.#backoff.min
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
      bytes = await this.#call('GET', () => this.#client.getBuffer(redisKey))
    } catch (err) {
      reportError(this.#onError, 'get', err)
      return undefined
    }
    if (!bytes) return undefined
    try {
      return decodeRecord(key, bytes)
    } catch (err) {
      reportError(this.#onError, 'get', err)
      await this.#call('DEL', () => this.#client.del(redisKey)).catch(() => {})
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
    return !this.#closed && this.#client.connected && !this.#lastWriteFailed
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    await this.#pending.settled()
    this.#client.close()
  }

  async #write(redisKey: string, record: Uint8Array): Promise<void> {
    try {
      await this.#call('SET', () =>
        this.#ttlSeconds > 0
          ? this.#client.set(redisKey, record, 'EX', this.#ttlSeconds)
          : this.#client.set(redisKey, record),
      )
      this.#lastWriteFailed = false
    } catch (err) {
      this.#lastWriteFailed = true
      reportError(this.#onError, 'set', err)
    }
  }

  /** One bounded round trip: reconnect if needed, then run the command. */
  async #call<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      const result = await withTimeout(
        this.#ensureConnected().then(command),
        this.#timeoutMs,
        `redis ${what}`,
      )
      this.#timeouts = 0
      return result
    } catch (err) {
      if (err instanceof CacheTimeoutError && ++this.#timeouts >= TIMEOUTS_BEFORE_RESET) {
        // Commands keep hanging on a connection that looks alive: start over.
        this.#timeouts = 0
        this.#client.close()
      }
      throw err
    }
  }

  #ensureConnected(): Promise<void> {
    if (this.#client.connected) return Promise.resolve()
    if (this.#connecting) return this.#connecting
    if (this.#closed) return Promise.reject(new RedisUnavailableError('cache is closed'))
    if (Date.now() < this.#nextAttemptAt) {
      return Promise.reject(new RedisUnavailableError('redis is down; waiting before reconnecting'))
    }
    this.#connecting = this.#client
      .connect()
      .then(
        () => {
          this.#delay = this.#backoff.min
          // The failure was most likely the connection; let the next write prove otherwise.
          this.#lastWriteFailed = false
        },
        (err: unknown) => {
          this.#nextAttemptAt = Date.now() + this.#delay
          this.#delay = Math.min(this.#backoff.max, Math.max(this.#backoff.min, this.#delay * 2))
          throw err
        },
      )
      .finally(() => {
        this.#connecting = undefined
      })
    return this.#connecting
  }

  /** Reads `used_memory`; doubles as the reconnect probe when no traffic arrives. */
  async #refresh(): Promise<void> {
    if (this.#closed) return
    try {
      const info: unknown = await this.#call('INFO', () => this.#client.send('INFO', ['memory']))
      const match = typeof info === 'string' ? /^used_memory:(\d+)/m.exec(info) : null
      if (match?.[1]) this.#usedMemory = Number(match[1])
    } catch {
      // Keep the last figure; the failure is already visible through get/set.
    }
  }
}
