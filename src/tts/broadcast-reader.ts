/**
 * One reader of a Broadcast (broadcast.ts): every chunk from the first on, then the end or
 * the producer's failure. The reader's own client signal makes it leave, and the producer is
 * aborted when the last reader has left before the end. A waiting reader learns of its client
 * leaving from an abort listener (at once: a session's barge-in stops its synthesis now), or,
 * when `polled`, from periodic-sweep.ts (up to 25 ms late, with no listener per reader: a
 * batch request's miss).
 */
import { unwatch, watch, type Swept } from './periodic-sweep.ts'
import { DONE, PENDING, ReadySource, type Taken } from './ready-source.ts'

/** What a reader needs of its broadcast. */
export interface BroadcastFeed<T> {
  readonly chunks: readonly T[]
  readonly ended: boolean
  /** The failure the broadcast ended with (undefined: none). */
  readonly error: unknown
  /** Settles on the next push or end (or `wake()`). */
  changed(): Promise<void>
  wake(): void
  join(): void
  leave(): void
}

const FRESH = 0
const READING = 1
const LEFT = 2

/**
 * @example
 * const reader = new BroadcastReader(broadcast, request.signal)
 * for await (const chunk of reader) send(chunk)
 */
export class BroadcastReader<T> extends ReadySource<T> implements Swept {
  #index = 0
  // Joins on its first take, as a generator's body would start: a reader never read holds nothing.
  #state = FRESH
  #onAbort: (() => void) | undefined

  constructor(
    private readonly feed: BroadcastFeed<T>,
    readonly signal?: AbortSignal,
    private readonly polled = false,
  ) {
    super()
  }

  take(): Taken<T> {
    if (this.#state === LEFT) return DONE
    if (this.#state === FRESH) this.#join()
    const { feed, signal } = this
    if (signal?.aborted) {
      this.close()
      throw signal.reason
    }
    if (this.#index < feed.chunks.length) return feed.chunks[this.#index++]!
    if (!feed.ended) return PENDING
    this.close()
    if (feed.error !== undefined) throw feed.error
    return DONE
  }

  ready(): Promise<void> {
    return this.feed.changed()
  }

  override atEnd(): boolean {
    const { feed } = this
    return this.#state === READING && feed.ended && feed.error === undefined && this.#index >= feed.chunks.length && !this.signal?.aborted
  }

  close(): void {
    if (this.#state !== READING) {
      this.#state = LEFT
      return
    }
    this.#state = LEFT
    if (this.#onAbort) this.signal?.removeEventListener('abort', this.#onAbort)
    if (this.polled) unwatch(this)
    this.feed.leave()
  }

  /** At each sweep while polled (periodic-sweep.ts): once its client has left, wakes the reader if it waits, so it leaves. */
  check(): void {
    if (!this.signal?.aborted) return
    unwatch(this)
    this.feed.wake()
  }

  #join(): void {
    this.#state = READING
    this.feed.join()
    const { signal, feed } = this
    if (!signal) return
    // The client leaving wakes a reader that waits, so it can leave (at once, or at the next poll).
    if (this.polled) return watch(this)
    this.#onAbort = () => feed.wake()
    signal.addEventListener('abort', this.#onAbort, { once: true })
  }
}
