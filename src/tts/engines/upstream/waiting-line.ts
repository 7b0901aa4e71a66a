/**
 * Calls waiting their turn, in arrival order, each free to leave when its client hangs up:
 * the queue of the bulkhead (a free slot wakes the longest waiting) and of the circuit
 * breaker (a half-open trial's outcome wakes them all).
 */

interface Waiter {
  wake(): void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

/**
 * @example
 * const line = new WaitingLine()
 * await line.wait(signal) // rejects with the signal's reason if it aborts first
 * line.wakeFirst() // elsewhere: the longest waiting goes on
 */
export class WaitingLine {
  readonly #waiters: Waiter[] = []

  get length(): number {
    return this.#waiters.length
  }

  /** Resolves when woken; rejects with `signal`'s reason, leaving the line, if it aborts first (or already has). */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { wake: resolve, signal, onAbort: undefined }
      if (signal) {
        waiter.onAbort = () => {
          const at = this.#waiters.indexOf(waiter)
          if (at >= 0) this.#waiters.splice(at, 1)
          reject(signal.reason)
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.#waiters.push(waiter)
    })
  }

  /** Wakes the longest waiting; false when nobody waits. */
  wakeFirst(): boolean {
    const waiter = this.#waiters.shift()
    if (!waiter) return false
    wake(waiter)
    return true
  }

  /** Wakes everyone waiting. */
  wakeAll(): void {
    for (const waiter of this.#waiters.splice(0)) wake(waiter)
  }
}

function wake(waiter: Waiter): void {
  if (waiter.onAbort) waiter.signal!.removeEventListener('abort', waiter.onAbort)
  waiter.wake()
}
