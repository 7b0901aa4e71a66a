/**
 * An upstream call's response body, handed on chunk by chunk as it arrives (upstream-client.ts):
 * the first chunk (already received when the call opened; a short answer of declared length is
 * read whole, and is that one chunk), then each read, each restarting the silence clock. A body
 * cut short, or shorter than its declared length, fails as `cut` (or as the deadline or the
 * client's leaving that cut it); the call is finished once, when the body ends, fails, or its
 * reader stops early (which frees the connection).
 *
 * A hand-written async iterator, not an async generator: every byte of a gateway miss
 * passes through here, and a generator cost each chunk its own awaits and each call its frame.
 */
import type { CallDeadlines } from './call-deadlines.ts'
import { UpstreamError } from './upstream-error.ts'

export type CallOutcome = 'ok' | 'error' | 'cancelled'

export interface UpstreamBodyOptions {
  engine: string
  /** Absent: `first` is the whole body, read at once. */
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  first: Uint8Array
  /** Content-Length, NaN when absent. */
  declared: number
  deadlines: CallDeadlines
  /** Ends the call once (the bulkhead slot, the breaker, the span, the metrics). */
  finish: (outcome: CallOutcome, err?: unknown) => void
  signal?: AbortSignal
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined }

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>

const END: ReadResult = { done: true, value: undefined }

/**
 * @example
 * const chunks = new UpstreamBody({ engine, reader, first, declared, deadlines, finish, signal })
 * for await (const bytes of chunks) send(bytes)
 */
export class UpstreamBody implements AsyncIterableIterator<Uint8Array, undefined> {
  #first: Uint8Array | undefined
  #received: number
  #ended = false

  constructor(private readonly options: UpstreamBodyOptions) {
    this.#first = options.first
    this.#received = options.first.byteLength
  }

  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.#ended) return Promise.resolve(DONE)
    const first = this.#first
    if (first) {
      this.#first = undefined
      return Promise.resolve({ done: false, value: first })
    }
    const reader = this.options.reader
    if (reader) return reader.read().then(this.#read, this.#cut)
    try {
      return Promise.resolve(this.#read(END))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  async return(): Promise<IteratorResult<Uint8Array, undefined>> {
    // The reader stopped early (client gone, fallback decided elsewhere): free the connection.
    if (!this.#ended) {
      this.#ended = true
      this.options.finish('cancelled')
    }
    return DONE
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** The answer was read whole: its first chunk is all of it. */
  get whole(): boolean {
    return this.options.reader === undefined
  }

  readonly #read = (next: ReadResult): IteratorResult<Uint8Array, undefined> | Promise<IteratorResult<Uint8Array, undefined>> => {
    const { options } = this
    if (next.done) {
      if (this.#received < options.declared) return this.#fail(new UpstreamError(options.engine, 'cut', `body ended after ${this.#received} of ${options.declared} bytes`))
      this.#ended = true
      options.finish('ok')
      return DONE
    }
    options.deadlines.bytesArrived()
    this.#received += next.value.byteLength
    if (next.value.byteLength === 0) return this.next()
    return { done: false, value: next.value }
  }

  readonly #cut = (err: unknown): never => this.#fail(this.options.deadlines.classify(err, 'cut'))

  #fail(err: unknown): never {
    this.#ended = true
    this.options.finish(this.options.signal?.aborted ? 'cancelled' : 'error', err)
    throw err
  }
}
