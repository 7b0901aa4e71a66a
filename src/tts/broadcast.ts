/**
 * A replayable stream of chunks (encoded audio pieces) with reference-counted readers.
 *
 * Identical concurrent requests share one synthesis: the first creates a Broadcast and
 * feeds it, every reader (including late joiners) gets all chunks from the start, and
 * the producer's work is aborted only when the last reader has gone.
 */

type Waiter = () => void

const noBytes = (chunk: unknown) => (chunk as Uint8Array).byteLength === 0

export class Broadcast<T = Uint8Array> {
  readonly chunks: T[] = []
  #ended = false
  #error: unknown = undefined
  #waiters: Waiter[] = []
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

  push(chunk: T): void {
    if (this.#ended || this.empty(chunk)) return
    this.chunks.push(chunk)
    this.#wake()
  }

  end(error?: unknown): void {
    if (this.#ended) return
    this.#ended = true
    this.#error = error
    this.#wake()
  }

  /**
   * A reader from the first chunk on. `signal` is the reader's own client: when it aborts,
   * the reader leaves, and the producer is aborted if nobody else is reading.
   *
   * @example
   * for await (const bytes of broadcast.read(c.req.raw.signal)) controller.enqueue(bytes)
   */
  async *read(signal?: AbortSignal): AsyncGenerator<T> {
    this.#readers++
    const onAbort = () => this.#wake()
    signal?.addEventListener('abort', onAbort, { once: true })
    let index = 0
    try {
      while (true) {
        if (signal?.aborted) throw signal.reason
        if (index < this.chunks.length) {
          yield this.chunks[index++]!
          continue
        }
        if (this.#ended) {
          if (this.#error !== undefined) throw this.#error
          return
        }
        await new Promise<void>((resolve) => this.#waiters.push(resolve))
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      this.#readers--
      if (this.#readers === 0 && !this.#ended) this.#controller.abort(new DOMException('all readers left', 'AbortError'))
    }
  }

  #wake(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const wake of waiters) wake()
  }
}
