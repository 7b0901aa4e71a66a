/**
 * Per-API-key limits, when keys are configured: requests (or sessions) in flight at once,
 * and characters spoken per minute (a token bucket refilled continuously). One key cannot
 * take the whole engine from the others. Each key's own limits (keys file) win over the
 * server-wide defaults (TTS_KEY_MAX_CONCURRENCY, TTS_KEY_CHARS_PER_MINUTE); state is kept
 * per key id, so a reload that changes a key's limits keeps its count of requests in flight.
 */
import type { MiddlewareHandler } from 'hono'
import { afterBody, type AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'
import type { ApiKey } from '../keys/keys-file.ts'

export interface KeyLimitOptions {
  /** Requests or sessions one key may have open at once (0: unlimited), unless the key sets its own. */
  maxConcurrent: number
  /** Characters one key may have spoken per minute (0: unlimited), unless the key sets its own. */
  charsPerMinute: number
}

interface KeyState {
  inflight: number
  tokens: number
  refilledAt: number
}

/**
 * @example
 * const limits = new KeyLimits({ maxConcurrent: 4, charsPerMinute: 20_000 })
 * const release = limits.acquire(key) // throws ApiError 429 past the limit
 * limits.charge(key, text.length)
 * release()
 */
export class KeyLimits {
  readonly #keys = new Map<string, KeyState>()

  constructor(private readonly options: KeyLimitOptions) {}

  /** Takes a concurrency slot for `key`; the returned function gives it back (idempotent). */
  acquire(key: ApiKey): () => void {
    const max = key.limits.maxConcurrency ?? this.options.maxConcurrent
    const state = this.#state(key)
    if (max > 0 && state.inflight >= max) {
      throw new ApiError({
        status: 429,
        kind: 'busy',
        code: 'too_many_concurrent_requests',
        message: `This API key already has ${state.inflight} requests in flight (limit ${max}).`,
        retryAfterSeconds: 1,
        headers: { 'current-concurrent-requests': String(state.inflight), 'maximum-concurrent-requests': String(max) },
      })
    }
    state.inflight++
    let released = false
    return () => {
      if (released) return
      released = true
      state.inflight--
    }
  }

  /** Spends `chars` of the key's per-minute budget, or throws a 429 saying when to retry. */
  charge(key: ApiKey, chars: number): void {
    const limit = this.#perMinute(key)
    if (limit <= 0) return
    const state = this.#state(key)
    const now = performance.now()
    state.tokens = Math.min(limit, state.tokens + ((now - state.refilledAt) / 60_000) * limit)
    state.refilledAt = now
    if (chars > state.tokens) {
      const waitSeconds = chars > limit ? 60 : Math.ceil(((chars - state.tokens) / limit) * 60)
      throw new ApiError({
        status: 429,
        kind: 'busy',
        code: 'rate_limit_exceeded',
        message: `This API key may speak ${limit} characters per minute; ${Math.floor(state.tokens)} are left.`,
        retryAfterSeconds: waitSeconds,
      })
    }
    state.tokens -= chars
  }

  #perMinute(key: ApiKey): number {
    return key.limits.charactersPerMinute ?? this.options.charsPerMinute
  }

  #state(key: ApiKey): KeyState {
    let state = this.#keys.get(key.id)
    if (!state) {
      state = { inflight: 0, tokens: this.#perMinute(key), refilledAt: performance.now() }
      this.#keys.set(key.id, state)
    }
    return state
  }
}

/**
 * Holds a concurrency slot for the request's key until its body is sent (characters per
 * minute are charged at admission: usage/metering.ts).
 *
 * @example
 * app.use('/v1/audio/speech', keyLimits(limits))
 */
export function keyLimits(limits: KeyLimits | undefined): MiddlewareHandler<AppEnv> {
  return async function keyLimitsMiddleware(c, next) {
    const key = c.get('apiKey')
    if (!limits || !key) return next()
    const release = limits.acquire(key)
    try {
      await next()
    } finally {
      afterBody(c, release)
    }
  }
}
