/**
 * OTLP/HTTP exporters (protobuf or JSON bodies) for the SDK's batch processors and our own
 * log record batches, sent with Bun's own `fetch`.
 *
 * The official exporters run the SDK's transformer and node:http (emulated by Bun) for
 * every batch, which cost more CPU than the request being traced. These keep the
 * contract the processors rely on: `export` never throws, calls back exactly once, and
 * finishes within the timeout, retrying only what the OTLP spec calls retryable (429,
 * 502, 503, 504 and connection failures) with a short backoff inside that same budget.
 */
import { diag } from '@opentelemetry/api'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base'
import { otlpSignalProtocol, otlpSignalUrl, type Config } from '../config.ts'
import { version } from '../version.ts'
import { encodeLogRecords, encodeSpans } from './otlp-json.ts'
import { encodeLogRecordsProto } from './otlp-proto-logs.ts'
import { rejectedInProto } from './otlp-proto-response.ts'
import { encodeSpansProto } from './otlp-proto-spans.ts'

export type OtlpSignal = 'traces' | 'logs'

/** OTEL_EXPORTER_OTLP_PROTOCOL's values we build in (`grpc` is not). */
export type OtlpProtocol = 'http/protobuf' | 'http/json'

export interface OtlpExporterOptions {
  /** Full signal URL, e.g. `http://collector:4318/v1/traces`. */
  url: string
  /** Body encoding; `http/protobuf` (the OTLP spec's default) unless told otherwise. */
  protocol?: OtlpProtocol
  /** Extra request headers (OTEL_EXPORTER_OTLP_HEADERS), e.g. an auth token. */
  headers?: Record<string, string>
  /** Budget for one export, retries included (OTEL_EXPORTER_OTLP_TIMEOUT). Default 10 s. */
  timeoutMillis?: number
  /** Told how many spans/log records were not delivered (failed, rejected, or after shutdown). */
  onDropped?: (signal: OtlpSignal, count: number) => void
}

/**
 * The exporter options of `signal` from config: its URL and protocol (per-signal settings first), headers, timeout.
 *
 * @example
 * const exporter = createSpanExporter(otlpExporterOptions(config, 'traces', onDropped))
 */
export function otlpExporterOptions(config: Config, signal: OtlpSignal, onDropped?: OtlpExporterOptions['onDropped']): OtlpExporterOptions & { protocol: OtlpProtocol } {
  return {
    url: otlpSignalUrl(config, signal),
    protocol: otlpSignalProtocol(config, signal),
    headers: config.OTEL_EXPORTER_OTLP_HEADERS,
    timeoutMillis: config.OTEL_EXPORTER_OTLP_TIMEOUT,
    ...(onDropped && { onDropped }),
  }
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504])
const MAX_ATTEMPTS = 4
const FIRST_BACKOFF_MS = 100
// A hung collector must not pile up requests: beyond this many exports in flight, fail fast.
const MAX_IN_FLIGHT = 8

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })

/** Retry-After in ms (seconds or an HTTP date), or undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/** How many items the collector reported as rejected in a partial success, if any. */
function rejectedCount(body: Uint8Array, contentType: string, signal: OtlpSignal): number {
  if (body.length < 3) return 0
  // A collector answers in the request's encoding; a proxy's page (HTML, say) counts as no rejection.
  if (contentType.includes('protobuf')) return rejectedInProto(body)
  if (!contentType.includes('json') && contentType !== '') return 0
  try {
    const partial = (JSON.parse(new TextDecoder().decode(body)) as { partialSuccess?: Record<string, unknown> }).partialSuccess
    return Number(partial?.[signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords'] ?? 0) || 0
  } catch {
    return 0 // Not JSON: the request itself was accepted.
  }
}

type Body = string | Uint8Array<ArrayBuffer>

/** Sends encoded batches of one signal. Shared by the span and log record exporters. */
export class OtlpHttpExporter<T> {
  readonly #signal: OtlpSignal
  readonly #encode: (items: T[]) => Body
  readonly #url: string
  readonly #headers: Record<string, string>
  readonly #timeoutMillis: number
  readonly #onDropped: ((signal: OtlpSignal, count: number) => void) | undefined
  readonly #inFlight = new Set<Promise<void>>()
  readonly #stop = new AbortController()
  #shutDown = false

  constructor(signal: OtlpSignal, encode: (items: T[]) => Body, options: OtlpExporterOptions) {
    this.#signal = signal
    this.#encode = encode
    this.#url = options.url
    const contentType = options.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf'
    this.#headers = { ...options.headers, 'content-type': contentType, 'user-agent': `tts-edge/${version}` }
    this.#timeoutMillis = options.timeoutMillis ?? 10_000
    this.#onDropped = options.onDropped
  }

  export(items: T[], resultCallback: (result: ExportResult) => void): void {
    this.send(() => this.#encode(items), items.length, resultCallback)
  }

  /**
   * Sends one request body holding `count` items (encoded by `body()` unless refused at
   * once), with the same promises as `export`. For batches encoded as they were filled.
   */
  send(body: () => Body, count: number, resultCallback: (result: ExportResult) => void): void {
    if (this.#shutDown || this.#inFlight.size >= MAX_IN_FLIGHT) {
      this.#dropped(count)
      resultCallback({ code: ExportResultCode.FAILED, error: new Error(this.#shutDown ? 'exporter is shut down' : 'too many exports in flight') })
      return
    }
    const pending = this.#deliver(body, count).then(resultCallback, (err: unknown) => {
      // #deliver catches everything; this is the belt to keep "exactly once" if it ever did not.
      resultCallback({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) })
    })
    this.#inFlight.add(pending)
    void pending.finally(() => this.#inFlight.delete(pending))
  }

  /** Resolves when every export started so far has finished (each is bounded by the timeout). */
  async forceFlush(): Promise<void> {
    await Promise.allSettled([...this.#inFlight])
  }

  /** Refuses new exports, lets those in flight finish, then aborts any retry wait still pending. */
  async shutdown(): Promise<void> {
    this.#shutDown = true
    await this.forceFlush()
    this.#stop.abort()
  }

  async #deliver(encode: () => Body, count: number): Promise<ExportResult> {
    try {
      const body = encode()
      const deadline = AbortSignal.timeout(this.#timeoutMillis)
      const signal = AbortSignal.any([deadline, this.#stop.signal])
      const giveUpAt = performance.now() + this.#timeoutMillis
      let backoff = FIRST_BACKOFF_MS
      for (let attempt = 1; ; attempt++) {
        const outcome = await this.#attempt(body, signal)
        if (outcome.ok) {
          this.#dropped(rejectedCount(outcome.body, outcome.contentType, this.#signal))
          return { code: ExportResultCode.SUCCESS }
        }
        const wait = outcome.retryAfterMs ?? backoff * (0.8 + Math.random() * 0.4)
        if (!outcome.retryable || attempt >= MAX_ATTEMPTS || signal.aborted || performance.now() + wait >= giveUpAt) {
          return this.#failed(count, outcome.error)
        }
        await sleep(wait, signal)
        backoff *= 2
      }
    } catch (err) {
      return this.#failed(count, err instanceof Error ? err : new Error(String(err)))
    }
  }

  async #attempt(
    body: Body,
    signal: AbortSignal,
  ): Promise<{ ok: true; body: Uint8Array; contentType: string } | { ok: false; retryable: boolean; retryAfterMs?: number; error: Error }> {
    try {
      const res = await fetch(this.#url, { method: 'POST', headers: this.#headers, body, signal })
      // Reading the body to the end lets the keep-alive connection be reused.
      const bytes = await res.bytes()
      if (res.ok) return { ok: true, body: bytes, contentType: res.headers.get('content-type') ?? '' }
      const error = new Error(`OTLP ${this.#signal} export: HTTP ${res.status}`)
      const retryAfter = retryAfterMs(res.headers.get('retry-after'))
      return { ok: false, retryable: RETRYABLE_STATUS.has(res.status), error, ...(retryAfter !== undefined && { retryAfterMs: retryAfter }) }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err))
      // Timeouts and shutdown aborts are final; anything else fetch throws is a connection failure.
      return { ok: false, retryable: !signal.aborted, error }
    }
  }

  #failed(count: number, error: Error): ExportResult {
    diag.debug(`OTLP ${this.#signal} export failed, ${count} dropped: ${error.message}`)
    this.#dropped(count)
    return { code: ExportResultCode.FAILED, error }
  }

  #dropped(count: number): void {
    if (count <= 0 || !this.#onDropped) return
    try {
      this.#onDropped(this.#signal, count)
    } catch {
      // A counting hook must never break exporting.
    }
  }
}

/**
 * A SpanExporter for BatchSpanProcessor that POSTs OTLP (protobuf unless `protocol` says JSON) to `options.url`.
 *
 * @example
 * const exporter = createSpanExporter({ url: 'http://localhost:4318/v1/traces', timeoutMillis: 10_000 })
 * new BatchSpanProcessor(exporter)
 */
export function createSpanExporter(options: OtlpExporterOptions): OtlpHttpExporter<ReadableSpan> & SpanExporter {
  return new OtlpHttpExporter<ReadableSpan>('traces', options.protocol === 'http/json' ? encodeSpans : encodeSpansProto, options)
}

/**
 * A LogRecordExporter for BatchLogRecordProcessor that POSTs OTLP (protobuf unless `protocol` says JSON) to `options.url`.
 *
 * @example
 * const exporter = createLogExporter({ url: 'http://localhost:4318/v1/logs', onDropped: (_, n) => dropped.inc(n) })
 * new BatchLogRecordProcessor(exporter)
 */
export function createLogExporter(options: OtlpExporterOptions): OtlpHttpExporter<ReadableLogRecord> & LogRecordExporter {
  return new OtlpHttpExporter<ReadableLogRecord>('logs', options.protocol === 'http/json' ? encodeLogRecords : encodeLogRecordsProto, options)
}
