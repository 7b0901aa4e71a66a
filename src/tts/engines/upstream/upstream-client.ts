/**
 * One upstream engine's HTTP client: per-call timeouts (headers, first byte, idle, total),
 * retries with backoff and jitter before the first byte (honouring Retry-After), a
 * concurrency bulkhead and a circuit breaker (bulkhead.ts, circuit-breaker.ts: told each call's
 * outcome, not wrapped around it), a CLIENT span per attempt with `traceparent` injected, and
 * the upstream metrics. The body is handed on chunk by chunk as it arrives: nothing is buffered.
 */
import { context, propagation, SpanKind, trace, type Span, type Tracer } from '@opentelemetry/api'
import type { Logger } from 'pino'
import type { EncoderSource } from '../../encoding/stream-encoder.ts'
import { observeAt, type Metrics } from '../../../telemetry/metrics.ts'
import { unitOf } from '../../../telemetry/work-unit.ts'
import { recordError } from '../../../telemetry/tracing.ts'
import type { UpstreamSettings } from './upstream-settings.ts'
import { Bulkhead, BulkheadFullError } from './bulkhead.ts'
import { BrokenCircuitError, CircuitBreaker, type CircuitPass, type CircuitState } from './circuit-breaker.ts'
import { CallDeadlines, sleep } from './call-deadlines.ts'
import { UpstreamBody, type CallOutcome } from './upstream-body.ts'
import { retryAfterMs, UpstreamError, type UpstreamReason } from './upstream-error.ts'

export interface UpstreamCall {
  url: string
  /** JSON request body. */
  body: unknown
  headers?: Record<string, string>
  /** Characters the call speaks, for `tts_upstream_characters_total`. */
  characters: number
  /** True for a Content-Type that is the audio asked for. */
  acceptsType: (contentType: string) => boolean
  signal?: AbortSignal
}

export interface UpstreamStream {
  status: number
  headers: Headers
  /** The body, first chunk already received; throws UpstreamError when cut or idle. */
  chunks: AsyncIterableIterator<Uint8Array>
}

export interface UpstreamClientDeps {
  tracer: Tracer
  metrics?: Metrics
  /** Told when a voice list cannot be fetched (the last good one is kept). */
  logger?: Logger
  /** Where upstream PCM is encoded into the asked-for format (default: on the event loop). */
  encoders?: EncoderSource
}

/** Answers of declared length up to this are read whole (about 4 s of 128 kbps mp3). */
const WHOLE_BODY_BYTES = 64 * 1024

/** `tts_upstream_circuit_state`'s values (docs/observability.md). */
const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 }

/**
 * @example
 * const client = new UpstreamClient(settings, { tracer, metrics })
 * const stream = await client.open({ url: `${settings.url}/audio/speech`, body, characters: 12, acceptsType: (t) => t.startsWith('audio/') })
 * for await (const bytes of stream.chunks) send(bytes)
 */
export class UpstreamClient {
  readonly circuit: CircuitBreaker
  readonly #bulkhead: Bulkhead
  #inflight = 0
  readonly #targets = new Map<string, Record<string, string | number>>()

  constructor(
    readonly settings: UpstreamSettings,
    private readonly deps: UpstreamClientDeps,
  ) {
    const gauge = deps.metrics?.upstreamCircuit
    gauge?.set({ engine: settings.name }, 0)
    this.circuit = new CircuitBreaker(settings.breaker_failures, settings.breaker_half_open_ms, (state) => gauge?.set({ engine: settings.name }, CIRCUIT_VALUE[state]))
    this.#bulkhead = new Bulkhead(settings.max_concurrency, settings.max_queue)
  }

  get inflight(): number {
    return this.#inflight
  }

  /** Calls waiting for a slot (`max_concurrency` in flight): part of the queue depth the gateway scales on. */
  get queued(): number {
    return this.#bulkhead.queued
  }

  /** Opens the call, retrying before the first byte; resolves once the first audio byte arrived. */
  open(call: UpstreamCall): Promise<UpstreamStream> {
    // The first attempt without a frame of its own: a call waiting on its upstream holds less.
    return this.#attempt(call, 0).catch((err: unknown) => this.#retry(call, err))
  }

  async #retry(call: UpstreamCall, failure: unknown): Promise<UpstreamStream> {
    const { retries, retry_base_ms, max_retry_after_ms } = this.settings
    let err = failure
    for (let attempt = 1; ; attempt++) {
      if (!(err instanceof UpstreamError) || !err.retryable || attempt > retries || call.signal?.aborted) throw err
      // Full jitter: retries from many clients spread out instead of arriving together.
      const wait = err.retryAfterMs ?? Math.random() * retry_base_ms * 2 ** (attempt - 1)
      if (wait > max_retry_after_ms) throw err
      await sleep(wait, call.signal)
      try {
        return await this.#attempt(call, attempt)
      } catch (next) {
        err = next
      }
    }
  }

  async #attempt(call: UpstreamCall, attempt: number): Promise<UpstreamStream> {
    const { name } = this.settings
    const admitted = this.#admit(call.signal)
    const pass = typeof admitted === 'number' ? admitted : await admitted
    const span = this.deps.tracer.startSpan('POST', {
      kind: SpanKind.CLIENT,
      attributes: { ...this.#targetOf(call.url), 'tts.engine': name, ...(attempt > 0 && { 'http.request.resend_count': attempt }) },
    })
    const active = context.active()
    const spanContext = trace.setSpan(active, span)
    // Observations name this span, in the unit of work the call belongs to (no context switch to say so).
    const unit = unitOf(active)
    this.#inflight++
    const started = performance.now()
    const deadlines = new CallDeadlines(this.settings, call.signal)
    let finished = false
    const finish = (outcome: CallOutcome, err?: unknown) => {
      if (finished) return
      finished = true
      deadlines.end(outcome !== 'ok')
      this.#inflight--
      this.#bulkhead.leave()
      this.circuit.settle(pass, outcome !== 'error' ? 'success' : err instanceof UpstreamError && err.countsAgainstCircuit ? 'failure' : 'ignored')
      if (err) recordError(span, err)
      if (err instanceof UpstreamError) {
        this.deps.logger?.warn({ engine: name, reason: err.reason, status: err.status, attempt, err: err.message }, 'upstream call failed')
      }
      if (outcome === 'cancelled') span.setAttribute('tts.cancelled', true)
      const metrics = this.deps.metrics
      if (metrics) {
        if (err instanceof UpstreamError) metrics.upstreamErrors.inc({ engine: name, reason: err.reason })
        observeAt(unit, span, metrics.upstreamDuration, { engine: name, outcome }, (performance.now() - started) / 1000)
      }
      span.end()
    }
    const failWith = (err: unknown): never => {
      finish(call.signal?.aborted ? 'cancelled' : 'error', err)
      throw err
    }

    const headers: Record<string, string> = { 'content-type': 'application/json', ...call.headers }
    propagation.inject(spanContext, headers)
    let response: Response
    try {
      response = await fetch(call.url, { method: 'POST', headers, body: JSON.stringify(call.body), signal: deadlines.signal })
    } catch (err) {
      return failWith(deadlines.classify(err, 'connect'))
    }
    deadlines.headersArrived()
    span.setAttribute('http.response.status_code', response.status)
    if (!response.ok) {
      await response.body?.cancel().catch(() => {})
      const reason: UpstreamReason = response.status === 429 ? 'rate_limited' : response.status >= 500 ? 'status_5xx' : 'status_4xx'
      return failWith(new UpstreamError(name, reason, `HTTP ${response.status}`, retryAfterMs(response.headers), response.status))
    }
    const contentType = response.headers.get('content-type') ?? ''
    if (!call.acceptsType(contentType) || !response.body) {
      await response.body?.cancel().catch(() => {})
      return failWith(new UpstreamError(name, 'bad_response', `unexpected content type "${contentType.slice(0, 60)}"`))
    }
    // A body shorter than its declared length is truncated audio, even when the socket closed cleanly.
    const declared = Number(response.headers.get('content-length') ?? NaN)
    // A short answer of declared length is a file the upstream made before sending: read whole in one
    // native call, not drained through a JavaScript stream chunk by chunk (bench/RESULTS.md).
    const whole = declared > 0 && declared <= WHOLE_BODY_BYTES
    const reader = whole ? undefined : response.body.getReader()
    let first: Uint8Array | undefined
    try {
      if (reader) {
        const read = await reader.read()
        first = read.done ? undefined : read.value
      } else first = await response.bytes()
    } catch (err) {
      return failWith(deadlines.classify(err, 'cut'))
    }
    if (!first || first.byteLength === 0) return failWith(new UpstreamError(name, 'bad_response', 'empty body'))
    deadlines.firstByteArrived()
    this.deps.metrics?.upstreamCharacters.inc({ engine: name }, call.characters)
    const metrics = this.deps.metrics
    if (metrics) observeAt(unit, span, metrics.upstreamFirstByte, { engine: name }, (performance.now() - started) / 1000)
    const chunks = new UpstreamBody({ engine: name, reader, first, declared, deadlines, finish, ...(call.signal && { signal: call.signal }) })
    return { status: response.status, headers: response.headers, chunks }
  }

  /** The span attributes naming a URL's server, parsed once per URL (an engine calls the same one). */
  #targetOf(url: string): Record<string, string | number> {
    let attributes = this.#targets.get(url)
    if (!attributes) {
      const target = new URL(url)
      attributes = {
        'http.request.method': 'POST',
        'server.address': target.hostname,
        'server.port': Number(target.port) || (target.protocol === 'https:' ? 443 : 80),
        'url.full': `${target.origin}${target.pathname}`,
      }
      if (this.#targets.size < 64) this.#targets.set(url, attributes)
    }
    return attributes
  }

  /** A bulkhead slot and a circuit pass: at once (no promise) when both are free, else after waiting. */
  #admit(signal: AbortSignal | undefined): CircuitPass | Promise<CircuitPass> {
    if (signal?.aborted) throw signal.reason
    if (this.#bulkhead.tryEnter()) return this.#pass(signal)
    return this.#bulkhead.wait(signal).then(
      () => this.#pass(signal),
      (err: unknown) => {
        throw this.#refusal(err, signal)
      },
    )
  }

  /** With a slot held: the circuit's pass, or the slot freed and the refusal thrown. */
  #pass(signal: AbortSignal | undefined): CircuitPass | Promise<CircuitPass> {
    let pass: CircuitPass | undefined
    try {
      pass = this.circuit.tryEnter()
    } catch (err) {
      this.#bulkhead.leave()
      throw this.#refusal(err, signal)
    }
    if (pass !== undefined) return pass
    // Half-open with its trial in flight: wait for the trial's outcome.
    return this.circuit.enter(signal).catch((err: unknown) => {
      this.#bulkhead.leave()
      throw this.#refusal(err, signal)
    })
  }

  /** A refusal as the UpstreamError the router reads (counted), or the client's abort. */
  #refusal(err: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason
    const { name, breaker_half_open_ms } = this.settings
    let refusal: UpstreamError
    if (err instanceof BulkheadFullError) refusal = new UpstreamError(name, 'busy', 'too many calls in flight')
    else if (err instanceof BrokenCircuitError) refusal = new UpstreamError(name, 'circuit_open', 'circuit breaker is open', breaker_half_open_ms)
    else return err
    this.deps.metrics?.upstreamErrors.inc({ engine: name, reason: refusal.reason })
    return refusal
  }
}
