/**
 * A one-producer, one-consumer async queue: the pool pushes a job's results as worker
 * messages arrive, the caller pulls them with `for await`. Ending with an error makes
 * the pending (or next) pull reject at once, which is how abort and crashes surface.
 *
 * @example
 * const channel = new JobChannel<number>()
 * channel.push(1)
 * channel.end()
 * for await (const n of channel) console.log(n) // 1
 */
export class JobChannel<T> implements AsyncIterable<T> {
  private readonly items: T[] = []
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined
  private failure: { error: unknown } | undefined
  private ended = false

  /** True once `end()` or `fail()` was called. */
  get closed(): boolean {
    return this.ended || this.failure !== undefined
  }

  push(item: T): void {
    if (this.closed) return
    if (this.waiter) {
      const w = this.waiter
      this.waiter = undefined
      w.resolve({ value: item, done: false })
    } else this.items.push(item)
  }

  end(): void {
    if (this.closed) return
    this.ended = true
    this.settleWaiter()
  }

  /** Fails the channel: buffered items are dropped, the consumer sees `error` next. */
  fail(error: unknown): void {
    if (this.closed) return
    this.failure = { error }
    this.items.length = 0
    this.settleWaiter()
  }

  private settleWaiter(): void {
    const w = this.waiter
    if (!w) return
    this.waiter = undefined
    if (this.failure) w.reject(this.failure.error)
    else w.resolve({ value: undefined, done: true })
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false })
    if (this.failure) return Promise.reject(this.failure.error)
    if (this.ended) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() }
  }
}
