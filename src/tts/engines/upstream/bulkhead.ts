/**
 * An upstream's concurrency limit: `capacity` calls in flight, up to `queueCapacity` more
 * waiting in FIFO order, the rest refused at once (the router then tries the next engine).
 *
 * A counter and a queue rather than a policy wrapping each call: a call in flight holds no
 * suspended frame or promise here (it calls `leave()` when its stream ends), and a call
 * admitted at once gets no promise at all. A waiting call whose signal aborts leaves the
 * queue at once, so a client that hung up frees its place for the next.
 */
import { WaitingLine } from './waiting-line.ts'

/** Thrown when every slot is busy and the queue is full. */
export class BulkheadFullError extends Error {
  constructor(capacity: number, queueCapacity: number) {
    super(`bulkhead full: ${capacity} in flight, ${queueCapacity} queued`)
    this.name = 'BulkheadFullError'
  }
}

/**
 * @example
 * const bulkhead = new Bulkhead(16, 64)
 * if (!bulkhead.tryEnter()) await bulkhead.wait(signal) // throws BulkheadFullError or the signal's reason
 * try { await call() } finally { bulkhead.leave() }
 */
export class Bulkhead {
  #active = 0
  readonly #queue = new WaitingLine()

  constructor(
    readonly capacity: number,
    readonly queueCapacity: number,
  ) {}

  /** Calls in flight. */
  get active(): number {
    return this.#active
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#queue.length
  }

  /** Takes a slot now if one is free; false when the caller must `wait()`. */
  tryEnter(): boolean {
    if (this.#active >= this.capacity) return false
    this.#active++
    return true
  }

  /** Waits in the queue for a slot; rejects at once when the queue is full or `signal` has aborted. */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.tryEnter()) return Promise.resolve()
    if (this.#queue.length >= this.queueCapacity) return Promise.reject(new BulkheadFullError(this.capacity, this.queueCapacity))
    return this.#queue.wait(signal)
  }

  /** Frees a slot: the longest-waiting call takes it over. */
  leave(): void {
    // A woken call takes over the slot, so the count stays.
    if (!this.#queue.wakeFirst()) this.#active--
  }
}
