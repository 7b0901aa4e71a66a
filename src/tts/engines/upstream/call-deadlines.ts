/**
 * The clocks of one upstream call: response headers, first audio byte, longest silence
 * between bytes, and the whole call. Whichever runs out aborts the call with an
 * UpstreamError saying which; the client leaving aborts it with the client's reason.
 *
 * The clocks are times to compare, not timers: one interval checks every call in progress
 * (and runs only while there are any), so a call sets no timer and a chunk of audio only
 * moves a number. Timers cost every call four set-and-clears and every chunk one more. The
 * same sweep (periodic-sweep.ts) looks at the client's signal, so a call adds no abort
 * listener to it either. A deadline fires, and a client's leaving is noticed, up to SWEEP_MS
 * late.
 */
import { unwatch, watch, type Swept } from '../../periodic-sweep.ts'
import type { UpstreamSettings } from './upstream-settings.ts'
import { UpstreamError, type UpstreamReason } from './upstream-error.ts'

type Limits = Pick<UpstreamSettings, 'name' | 'connect_timeout_ms' | 'first_byte_timeout_ms' | 'idle_timeout_ms' | 'timeout_ms'>

/**
 * @example
 * const deadlines = new CallDeadlines(settings, clientSignal)
 * const res = await fetch(url, { signal: deadlines.signal })
 * deadlines.headersArrived()
 */
export class CallDeadlines implements Swept {
  readonly #controller = new AbortController()
  // When each clock runs out (performance.now); Infinity once stopped.
  #headers: number
  #firstByte: number
  #total: number
  #idle = Number.POSITIVE_INFINITY

  constructor(
    private readonly limits: Limits,
    private readonly client?: AbortSignal,
  ) {
    const now = performance.now()
    this.#headers = now + limits.connect_timeout_ms
    this.#firstByte = now + limits.first_byte_timeout_ms
    this.#total = now + limits.timeout_ms
    if (client?.aborted) this.#controller.abort(client.reason)
    watch(this)
  }

  /** Aborts the fetch and its body when a deadline passes or the client leaves. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  headersArrived(): void {
    this.#headers = Number.POSITIVE_INFINITY
  }

  firstByteArrived(): void {
    this.#firstByte = Number.POSITIVE_INFINITY
    this.bytesArrived()
  }

  /** Starts the silence clock over. */
  bytesArrived(): void {
    this.#idle = performance.now() + this.limits.idle_timeout_ms
  }

  /** Stops every clock; `abandon` also aborts the connection (a body read to its end keeps it for reuse). */
  end(abandon: boolean): void {
    unwatch(this)
    if (abandon) this.#controller.abort()
  }

  /** Aborts the call if its client left or a clock ran out by `now` (called by the sweep). */
  check(now: number): void {
    const client = this.client
    if (client?.aborted) {
      unwatch(this)
      this.#controller.abort(client.reason)
      return
    }
    const limits = this.limits
    let detail: string | undefined
    if (now >= this.#headers) detail = `no response within ${limits.connect_timeout_ms} ms`
    else if (now >= this.#firstByte) detail = `no audio within ${limits.first_byte_timeout_ms} ms`
    else if (now >= this.#idle) detail = `no bytes for ${limits.idle_timeout_ms} ms`
    else if (now >= this.#total) detail = `call exceeded ${limits.timeout_ms} ms`
    if (detail === undefined) return
    unwatch(this)
    this.#controller.abort(new UpstreamError(limits.name, 'timeout', detail))
  }

  /** What a failed fetch or read means: a deadline of ours, the client leaving, or the network (`otherwise`). */
  classify(err: unknown, otherwise: UpstreamReason): unknown {
    const reason = this.#controller.signal.reason
    if (this.#controller.signal.aborted && reason instanceof UpstreamError) return reason
    if (this.client?.aborted) return this.client.reason
    return new UpstreamError(this.limits.name, otherwise, err instanceof Error ? err.message.slice(0, 200) : 'request failed')
  }
}

/**
 * Waits `ms`, or rejects with the signal's reason when it aborts first.
 *
 * @example
 * await sleep(250, request.signal)
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
