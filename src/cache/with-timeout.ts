/** Raised when a cache backend call outlives its budget; reported via `onError`. */
export class CacheTimeoutError extends Error {
  override readonly name = 'CacheTimeoutError'
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} timed out after ${ms} ms`)
  }
}

/**
 * Settles with `promise`, or rejects with `CacheTimeoutError` after `ms`.
 * The underlying work is not cancelled (a Redis command cannot be), only no
 * longer waited for: a slow cache must cost a request at most `ms`.
 *
 * @example
 * ```ts
 * const bytes = await withTimeout(redis.getBuffer(key), 250, 'redis GET')
 * ```
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CacheTimeoutError(what, ms)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
