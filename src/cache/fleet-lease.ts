/**
 * Fleet-wide single-flight: identical requests arriving on different replicas share one
 * synthesis through a Redis lease (docs/operations.md, "Fleet").
 *
 * The first replica to `SET lease NX PX ttl` with its own random token synthesises, renews
 * the lease while it works (a holder that crashes stops renewing, so the lease expires
 * within `ttlMs` and never blocks the others), stores the audio in the shared cache, then
 * releases the lease. The others poll the lease's remaining time (`PTTL`, never waiting
 * past it) until it is gone, then read the shared cache; when the audio is not there (the
 * holder failed, crashed, or its write did not land) they race for the lease again and the
 * winner synthesises. Redis unreachable at any step means today's local behaviour: the
 * replica synthesises on its own.
 */
import type { CachedAudio } from './cache.ts'
import { RedisConnection, RedisUnavailableError, type RedisConnectionOptions } from './redis-connection.ts'

/** How a claim ended, for `tts_fleet_lease_total{outcome}` (a bounded label set). */
export type LeaseOutcome =
  /** This replica holds the lease and synthesises. */
  | 'leader'
  /** Another replica synthesised; the audio came from the shared cache. */
  | 'shared'
  /** The holder failed or vanished without storing; this replica took over. */
  | 'takeover'
  /** Redis unreachable, or waiting gave up: synthesising without coordination. */
  | 'local'

export interface Claim {
  outcome: LeaseOutcome
  /** Set when another replica's audio was found: serve it, do not synthesise. */
  audio?: CachedAudio
  /** Call when the audio is stored (or synthesis failed); a no-op unless this replica leads. */
  release(): Promise<void>
}

export interface FleetLeaseOptions extends RedisConnectionOptions {
  // `timeoutMs` defaults to 1000 here, not 250: a lease call only ever stands in front of a
  // synthesis, and a replica whose event loop lags under a burst must not give up on
  // coordination (and synthesise a duplicate) because a reply was read late.
  /** Lease expiry; the holder renews it every third of this. Default 5000 ms. */
  ttlMs?: number
  /** Prepended to every lease key. Default `tts:lease:`. */
  prefix?: string
  /** Poll interval while waiting: starts at `min`, doubles up to `max` (never past the lease's expiry). Default 10 to 100 ms. */
  pollMs?: { min: number; max: number }
  /** Longest a waiter waits in all before synthesising itself. Default 60 s. */
  maxWaitMs?: number
  /** Every claim's outcome, for metrics. */
  onOutcome?: (outcome: LeaseOutcome) => void
  /** Redis failures that were turned into local behaviour. */
  onError?: (err: unknown) => void
}

// Only the holder (same token) may extend or delete its lease: a lease that expired and was
// taken over must not be renewed or released by the old holder.
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
/** Rounds of wait-then-take-over before giving up on coordination (a holder that keeps failing). */
const MAX_ROUNDS = 3
/** Polls in a row that may fail (a slow reply) before a waiter stops waiting and synthesises. */
const MAX_POLL_FAILURES = 3
const NOTHING_TO_RELEASE = async () => {}

/**
 * @example
 * const leases = new FleetLease({ url: 'redis://redis:6379' })
 * const claim = await leases.claim(key, () => cache.get(key), signal)
 * if (claim.audio) return serve(claim.audio)
 * try { await synthesiseAndStore() } finally { await claim.release() }
 */
export class FleetLease {
  readonly #redis: RedisConnection
  readonly #ttlMs: number
  readonly #prefix: string
  readonly #poll: { min: number; max: number }
  readonly #maxWaitMs: number
  readonly #onOutcome: (outcome: LeaseOutcome) => void
  readonly #onError: (err: unknown) => void
  #waiting = 0

  constructor(options: FleetLeaseOptions) {
    this.#redis = new RedisConnection({ ...options, timeoutMs: options.timeoutMs ?? 1000 })
    this.#ttlMs = options.ttlMs ?? 5000
    this.#prefix = options.prefix ?? 'tts:lease:'
    this.#poll = options.pollMs ?? { min: 10, max: 100 }
    this.#maxWaitMs = options.maxWaitMs ?? 60_000
    this.#onOutcome = options.onOutcome ?? (() => {})
    this.#onError = options.onError ?? (() => {})
  }

  /**
   * Leads the synthesis of `key`, or waits for the replica that does and returns its audio
   * (read through `lookup`, the shared cache). Never rejects: Redis failures mean `local`.
   */
  async claim(key: string, lookup: () => Promise<CachedAudio | undefined>, signal?: AbortSignal): Promise<Claim> {
    const redisKey = this.#prefix + key
    const deadline = Date.now() + this.#maxWaitMs
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const token = crypto.randomUUID()
      let acquired: boolean
      try {
        acquired = (await this.#redis.call('SET NX', (c) => c.send('SET', [redisKey, token, 'NX', 'PX', String(this.#ttlMs)]))) === 'OK'
      } catch (err) {
        this.#onError(err)
        break
      }
      if (acquired) {
        const release = this.#hold(redisKey, token)
        // Another replica may have stored and released between our cache miss and our SET.
        const audio = await lookup()
        if (!audio) return this.#settle({ outcome: round === 0 ? 'leader' : 'takeover', release })
        await release()
        return this.#settle({ outcome: 'shared', audio, release: NOTHING_TO_RELEASE })
      }
      this.#waiting++
      const gone = await this.#waitUntilGone(redisKey, deadline, signal).finally(() => this.#waiting--)
      if (!gone) break
      const audio = await lookup()
      if (audio) return this.#settle({ outcome: 'shared', audio, release: NOTHING_TO_RELEASE })
      // The holder left without storing (failed, crashed, or its write was lost): race to take over.
    }
    return this.#settle({ outcome: 'local', release: NOTHING_TO_RELEASE })
  }

  /** Claims waiting for another replica right now (a gauge). */
  get waiting(): number {
    return this.#waiting
  }

  close(): void {
    this.#redis.close()
  }

  #settle(claim: Claim): Claim {
    this.#onOutcome(claim.outcome)
    return claim
  }

  /** Keeps the lease alive while this replica works; the returned function releases it. */
  #hold(redisKey: string, token: string): () => Promise<void> {
    const renew = setInterval(() => {
      this.#redis.call('PEXPIRE', (c) => c.send('EVAL', [RENEW, '1', redisKey, token, String(this.#ttlMs)])).catch(this.#onError)
    }, Math.max(1, Math.floor(this.#ttlMs / 3)))
    renew.unref()
    let released = false
    return async () => {
      if (released) return
      released = true
      clearInterval(renew)
      // Failing to release costs the waiters at most the lease's remaining time.
      await this.#redis.call('DEL', (c) => c.send('EVAL', [RELEASE, '1', redisKey, token])).catch(this.#onError)
    }
  }

  /**
   * Polls until the lease is gone (true), or until Redis is down or fails repeatedly, the
   * deadline passes or every reader has left (false). Each pause is bounded by the lease's remaining time, so an
   * expired lease is noticed at once.
   */
  async #waitUntilGone(redisKey: string, deadline: number, signal?: AbortSignal): Promise<boolean> {
    let delay = this.#poll.min
    let failures = 0
    for (;;) {
      if (signal?.aborted || Date.now() > deadline) return false
      let pttl: number
      try {
        pttl = Number(await this.#redis.call('PTTL', (c) => c.send('PTTL', [redisKey])))
        failures = 0
      } catch (err) {
        this.#onError(err)
        if (err instanceof RedisUnavailableError || ++failures >= MAX_POLL_FAILURES) return false
        continue
      }
      // -2: no such key. -1 (no expiry) cannot come from us; treat it like a live lease.
      if (pttl === -2) return true
      await Bun.sleep(Math.max(1, Math.min(delay, pttl > 0 ? pttl : delay)))
      delay = Math.min(delay * 2, this.#poll.max)
    }
  }
}
