/**
 * A replayable stream of chunks (encoded audio pieces) with reference-counted readers.
 *
 * Identical concurrent requests share one synthesis: the first creates a Broadcast and
 * feeds it, every reader (including late joiners) gets all chunks from the start, and
 * the producer's work is aborted only when the last reader has gone.
 */
import { BroadcastReader, type BroadcastFeed } from './broadcast-reader.ts'

type Waiter = () => void

const noBytes = (chunk: unknown) => (chunk as Uint8Array).byteLength === 0

export class Broadcast<T = Uint8Array> implements BroadcastFeed<T> {
  readonly chunks: T[] = []
  #ended = false
  #error: unknown = undefined
  readonly #waiters: Waiter[] = []
  #readers = 0
  readonly #controller = new AbortController()

  /** `empty`: chunks not worth passing on (empty byte arrays, by default). */
  constructor(private readonly empty: (chunk: T) => boolean = noBytes) {}

  /** Aborted when every reader has left before the end: the producer should stop. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  get ended(): boolean {
    return this.#ended
  }

  /** The failure it ended with, if any. */
  get error(): unknown {
    return this.#error
  }

  push(chunk: T): void {
    if (this.#ended || this.empty(chunk)) return
    this.chunks.push(chunk)
    this.wake()
  }

  end(error?: unknown): void {
    if (this.#ended) return
    this.#ended = true
    this.#error = error
    this.wake()
  }

  /**
   * A reader from the first chunk on. `signal` is the reader's own client: when it aborts,
   * the reader leaves, and the producer is aborted if nobody else is reading. The reader
   * hands on chunks already here synchronously (`take()`, ready-source.ts) and is an async
   * iterator besides. `polled`: the client's leaving is noticed by polling (up to 25 ms late,
   * no abort listener: broadcast-reader.ts), for a batch request.
   *
   * @example
   * for await (const bytes of broadcast.read(c.req.raw.signal)) controller.enqueue(bytes)
   */
  read(signal?: AbortSignal, polled = false): BroadcastReader<T> {
    return new BroadcastReader(this, signal, polled)
  }

  /** Settles on the next push or end: what a reader that caught up waits for. */
  changed(): Promise<void> {
    return new Promise<void>((resolve) => this.#waiters.push(resolve))
  }

  /** A reader's bookkeeping (broadcast-reader.ts). */
  join(): void {
    this.#readers++
  }

  /** A reader left; the last one to leave before the end stops the producer. */
  leave(): void {
    this.#readers--
    if (this.#readers === 0 && !this.#ended) this.#controller.abort(new DOMException('all readers left', 'AbortError'))
  }

  /** Wakes every waiting reader (each looks again at the chunks, the end, and its client). */
  wake(): void {
    const waiters = this.#waiters
    if (waiters.length === 0) return
    // Each waiter is a promise's resolve: calling it runs nothing now, so none can join the
    // list while it is walked, and the list is emptied in place, not replaced per push.
    for (const wake of waiters) wake()
    waiters.length = 0
  }
}
