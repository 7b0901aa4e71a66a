/**
 * One Redis connection on Bun's built-in RedisClient, for callers that must never be made
 * slow or failed by Redis (the shared cache, the fleet lease):
 * - every call (connect included) is bounded by `timeoutMs`; a timeout rejects with
 *   `CacheTimeoutError` and the caller decides what a failure means (a miss, a no-op);
 * - the offline queue is off, so commands fail at once while disconnected instead of
 *   piling up;
 * - reconnection is ours, not the client's: Bun's own retry loop makes `connect()` wait
 *   for all its retries (about 30 s) and then gives up for good. Here a call reconnects on
 *   demand, with a backoff so a dead server is not hammered by every request;
 * - after a few consecutive timeouts (a hung server or a half-open socket) the connection
 *   is dropped and rebuilt.
 */
import { RedisClient } from 'bun'
import { CacheTimeoutError, withTimeout } from './with-timeout.ts'

export interface RedisConnectionOptions {
  /** `redis://[user:pass@]host:port[/db]`. */
  url: string
  /** Budget of one call, connecting included. Default 250 ms. */
  timeoutMs?: number
  /** Delay before retrying a failed connect, doubling up to `max`. Default 100 ms to 5 s. */
  reconnectBackoffMs?: { min: number; max: number }
}

/** Raised instead of connecting while the reconnect backoff runs, or after `close()`. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError'
}

const TIMEOUTS_BEFORE_RESET = 3

/**
 * @example
 * const redis = new RedisConnection({ url: 'redis://redis:6379' })
 * const reply = await redis.call('GET', (client) => client.get('k'))
 */
export class RedisConnection {
  readonly #client: RedisClient
  readonly #timeoutMs: number
  readonly #backoff: { min: number; max: number }
  #connecting: Promise<void> | undefined
  #nextAttemptAt = 0
  #delay: number
  #timeouts = 0
  #closed = false
  /** Called after each successful (re)connect. */
  onConnect: () => void = () => {}

  constructor(options: RedisConnectionOptions) {
    this.#timeoutMs = options.timeoutMs ?? 250
    this.#client = new RedisClient(options.url, {
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: Math.max(this.#timeoutMs, 1000),
    })
    this.#backoff = options.reconnectBackoffMs ?? { min: 100, max: 5000 }
    this.#delay = this.#backoff.min
  }

  get connected(): boolean {
    return !this.#closed && this.#client.connected
  }

  /** One bounded round trip: reconnect if needed, then run the command. */
  async call<T>(what: string, command: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      const result = await withTimeout(
        this.#ensureConnected().then(() => command(this.#client)),
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

  close(): void {
    this.#closed = true
    this.#client.close()
  }

  #ensureConnected(): Promise<void> {
    if (this.#closed) return Promise.reject(new RedisUnavailableError('redis connection is closed'))
    if (this.#client.connected) return Promise.resolve()
    if (this.#connecting) return this.#connecting
    if (Date.now() < this.#nextAttemptAt) {
      return Promise.reject(new RedisUnavailableError('redis is down; waiting before reconnecting'))
    }
    this.#connecting = this.#client
      .connect()
      .then(
        () => {
          this.#delay = this.#backoff.min
          this.onConnect()
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
}
