/**
 * The clocks of one upstream call: response headers, first audio byte, longest silence
 * between bytes, and the whole call. Whichever runs out aborts the call with an
 * UpstreamError saying which; the client leaving aborts it with the client's reason.
 */
import type { UpstreamSettings } from './upstream-settings.ts'
import { UpstreamError, type UpstreamReason } from './upstream-error.ts'

type Timer = ReturnType<typeof setTimeout> | undefined
type Limits = Pick<UpstreamSettings, 'name' | 'connect_timeout_ms' | 'first_byte_timeout_ms' | 'idle_timeout_ms' | 'timeout_ms'>

/**
 * @example
 * const deadlines = new CallDeadlines(settings, clientSignal)
 * const res = await fetch(url, { signal: deadlines.signal })
 * deadlines.headersArrived()
 */
export class CallDeadlines {
  readonly #controller = new AbortController()
  readonly #timers: Record<'headers' | 'firstByte' | 'total' | 'idle', Timer>
  readonly #onClientAbort: () => void

  constructor(
    private readonly limits: Limits,
    private readonly client?: AbortSignal,
  ) {
    this.#timers = {
      headers: this.#after(limits.connect_timeout_ms, `no response within ${limits.connect_timeout_ms} ms`),
      firstByte: this.#after(limits.first_byte_timeout_ms, `no audio within ${limits.first_byte_timeout_ms} ms`),
      total: this.#after(limits.timeout_ms, `call exceeded ${limits.timeout_ms} ms`),
      idle: undefined,
    }
    this.#onClientAbort = () => this.#controller.abort(client?.reason)
    client?.addEventListener('abort', this.#onClientAbort, { once: true })
  }

  /** Aborts the fetch and its body when a deadline passes or the client leaves. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  headersArrived(): void {
    clearTimeout(this.#timers.headers)
  }

  firstByteArrived(): void {
    clearTimeout(this.#timers.firstByte)
    this.bytesArrived()
  }

  /** Starts the silence clock over. */
  bytesArrived(): void {
    clearTimeout(this.#timers.idle)
    this.#timers.idle = this.#after(this.limits.idle_timeout_ms, `no bytes for ${this.limits.idle_timeout_ms} ms`)
  }

  /** Stops every clock; `abandon` also aborts the connection (a body read to its end keeps it for reuse). */
  end(abandon: boolean): void {
    for (const t of Object.values(this.#timers)) clearTimeout(t)
    this.client?.removeEventListener('abort', this.#onClientAbort)
    if (abandon) this.#controller.abort()
  }

  /** What a failed fetch or read means: a deadline of ours, the client leaving, or the network (`otherwise`). */
  classify(err: unknown, otherwise: UpstreamReason): unknown {
    const reason = this.#controller.signal.reason
    if (this.#controller.signal.aborted && reason instanceof UpstreamError) return reason
    if (this.client?.aborted) return this.client.reason
    return new UpstreamError(this.limits.name, otherwise, err instanceof Error ? err.message.slice(0, 200) : 'request failed')
  }

  #after(ms: number, detail: string): Timer {
    return setTimeout(() => this.#controller.abort(new UpstreamError(this.limits.name, 'timeout', detail)), ms)
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
