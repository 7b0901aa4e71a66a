/**
 * Single-flight: identical concurrent requests share one computation.
 *
 * Semantics chosen: the FIRST caller (the leader) runs `fn`; everyone who
 * arrives while it runs (followers) awaits the same promise and receives the
 * same final value or the same rejection. Nothing is cached here: the entry is
 * removed the moment `fn` settles (before any awaiter resumes), so a call after
 * a failure starts a fresh attempt.
 *
 * Streaming: `join()` tells a caller whether it leads. The leader's `fn` may
 * stream audio to its own client while it computes (it closes over that
 * client's response), and followers wait for the finished value. Only the
 * final value is shared, not the chunks: followers do not stream.
 *
 * Cancellation is the caller's concern: if the leader's client goes away and
 * `fn` aborts, followers receive that rejection. Callers that want to survive
 * it should not bind `fn` to the leader's abort signal, or retry once.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Promise<T>>()

  /**
   * Runs `fn` unless a flight for `key` is in progress, in which case it
   * returns that flight's promise.
   *
   * @example
   * ```ts
   * const flight = new SingleFlight<CachedAudio>()
   * const audio = await flight.run(key, () => synthesiseAndEncode(request))
   * ```
   */
  run(key: string, fn: () => Promise<T>): Promise<T> {
    return this.join(key, fn).result
  }

  /**
   * Like `run`, but also says whether this caller started the computation.
   *
   * @example
   * ```ts
   * const { leader, result } = flight.join(key, async () => {
   *   const parts: Uint8Array[] = []
   *   for await (const chunk of encode(synth)) { stream.write(chunk); parts.push(chunk) }
   *   return { body: Buffer.concat(parts), contentType, meta }
   * })
   * if (!leader) return new Response((await result).body)
   * ```
   */
  join(key: string, fn: () => Promise<T>): { leader: boolean; result: Promise<T> } {
    const existing = this.#flights.get(key)
    if (existing) return { leader: false, result: existing }
    const result = invoke(fn)
    this.#flights.set(key, result)
    // Registered before the caller can await `result`, so the entry is gone by the
    // time any awaiter resumes and a retry after a failure starts a new flight.
    const forget = () => {
      if (this.#flights.get(key) === result) this.#flights.delete(key)
    }
    result.then(forget, forget)
    return { leader: true, result }
  }

  /** True while a computation for `key` is running. */
  has(key: string): boolean {
    return this.#flights.has(key)
  }

  /** Number of computations in progress (a gauge candidate). */
  get size(): number {
    return this.#flights.size
  }
}

/** Turns a synchronous throw from `fn` into a rejection, like every other failure. */
async function invoke<T>(fn: () => Promise<T>): Promise<T> {
  return fn()
}
