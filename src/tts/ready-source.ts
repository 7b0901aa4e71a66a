/**
 * An async iterator whose items can also be taken synchronously once they are ready.
 *
 * The gateway's audio passes from a flight's broadcast to the response body: stacking an
 * async generator per step (read, drop empty pieces, count the outcome) cost every chunk a
 * promise per layer and every request in flight a frame per layer. A ReadySource is one
 * object per step whose `take()` hands on what is already there with no promise at all;
 * only a reader that has caught up waits, on `ready()`. It is still an AsyncIterator, so
 * `for await` reads it like any other.
 */

/** `take()`: nothing yet, `ready()` settles when there may be. */
export const PENDING: unique symbol = Symbol('pending')
/** `take()`: the end; every later `take()` says so too. */
export const DONE: unique symbol = Symbol('done')

export type Taken<T> = T | typeof PENDING | typeof DONE

/**
 * @example
 * for (let item = source.take(); item !== DONE; item = source.take()) {
 *   if (item === PENDING) await source.ready()
 *   else send(item)
 * }
 */
export abstract class ReadySource<T> implements AsyncIterableIterator<T, undefined> {
  /** The next item if it is ready, PENDING if not, DONE at the end; throws the source's failure (once, then DONE). */
  abstract take(): Taken<T>
  /** Settles (never rejects) when `take()` may have something new. */
  abstract ready(): Promise<void>
  /** The reader stops early (a `break`, a cancelled response): frees what it holds. Idempotent. */
  abstract close(): void

  /** True when the next `take()` is sure to be DONE, with no failure to throw (false when unsure). */
  atEnd(): boolean {
    return false
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      const item = this.take()
      if (item === PENDING) await this.ready()
      else if (item === DONE) return { done: true, value: undefined }
      else return { done: false, value: item }
    }
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    this.close()
    return { done: true, value: undefined }
  }

  [Symbol.asyncIterator](): this {
    return this
  }
}
