/**
 * A small OTLP/HTTP receiver for tests: it accepts what a real collector accepts on
 * `/v1/traces` and `/v1/logs` (protobuf or JSON by content type, gzip too), decodes the
 * wire format and lets a test wait for the spans and log records it expects. Protobuf is
 * decoded by protobufjs from the opentelemetry-proto files vendored in ./otlp-proto, an
 * encoder independent of ours; it answers as a collector does, in the request's encoding.
 */
import { decodeOtlpProto, encodeOtlpProtoResponse } from './otlp-proto-decoder.ts'

export interface ReceivedSpan {
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  kind: number
  attributes: Record<string, unknown>
  status: { code?: number; message?: string }
  events: { name: string; attributes: Record<string, unknown> }[]
  /** Span links (an utterance's trace to its session span). */
  links: { traceId: string; spanId: string }[]
  resource: Record<string, unknown>
}

export interface ReceivedLog {
  traceId: string
  spanId: string
  body: unknown
  severityText: string
  attributes: Record<string, unknown>
  resource: Record<string, unknown>
}

interface OtlpKeyValue {
  key: string
  value: Record<string, unknown>
}

function anyValue(v: Record<string, unknown> | undefined): unknown {
  if (!v) return undefined
  if ('stringValue' in v) return v.stringValue
  if ('intValue' in v) return Number(v.intValue)
  if ('doubleValue' in v) return v.doubleValue
  if ('boolValue' in v) return v.boolValue
  if ('arrayValue' in v) return ((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(anyValue)
  if ('kvlistValue' in v) return attrs((v.kvlistValue as { values?: OtlpKeyValue[] }).values)
  return undefined
}

function attrs(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]))
}

type Waiter = { check: () => boolean; resolve: () => void }

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = []
  readonly logs: ReceivedLog[] = []
  /** Each export request's signal and content type, in arrival order. */
  readonly requests: { signal: 'traces' | 'logs'; contentType: string }[] = []
  #waiters: Waiter[] = []
  #server: ReturnType<typeof Bun.serve>

  constructor() {
    this.#server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: async (req) => {
        const url = new URL(req.url)
        let bytes = new Uint8Array(await req.arrayBuffer())
        if (req.headers.get('content-encoding') === 'gzip') bytes = Bun.gunzipSync(bytes)
        const signal = url.pathname === '/v1/traces' ? 'traces' : url.pathname === '/v1/logs' ? 'logs' : undefined
        if (!signal) return new Response('not found', { status: 404 })
        const contentType = req.headers.get('content-type') ?? ''
        const protobuf = contentType.startsWith('application/x-protobuf')
        if (!protobuf && !contentType.startsWith('application/json')) {
          return new Response('OTLP/HTTP takes application/x-protobuf or application/json', { status: 415 })
        }
        const body = protobuf ? decodeOtlpProto(signal, bytes) : JSON.parse(new TextDecoder().decode(bytes))
        this.requests.push({ signal, contentType })
        if (signal === 'traces') this.#addSpans(body)
        else this.#addLogs(body)
        this.#notify()
        if (!protobuf) return Response.json({})
        return new Response(Uint8Array.from(encodeOtlpProtoResponse(signal, 0)), { headers: { 'content-type': 'application/x-protobuf' } })
      },
    })
  }

  /** Base URL to use as OTEL_EXPORTER_OTLP_ENDPOINT. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.#server.port}`
  }

  /** Resolves once `predicate` holds for what has arrived; rejects after `timeoutMs`. */
  waitFor(predicate: (r: this) => boolean, timeoutMs = 15_000): Promise<void> {
    if (predicate(this)) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        reject(new Error(`OTLP receiver: condition not met within ${timeoutMs} ms (${this.spans.length} spans, ${this.logs.length} logs)`))
      }, timeoutMs)
      const waiter: Waiter = {
        check: () => predicate(this),
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      }
      this.#waiters.push(waiter)
    })
  }

  stop(): void {
    this.#server.stop(true)
  }

  #notify(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check()) return true
      w.resolve()
      return false
    })
  }

  #addSpans(body: { resourceSpans?: Record<string, any>[] }): void {
    for (const rs of body.resourceSpans ?? []) {
      const resource = attrs(rs.resource?.attributes)
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind,
            attributes: attrs(s.attributes),
            status: s.status ?? {},
            events: (s.events ?? []).map((e: { name: string; attributes?: OtlpKeyValue[] }) => ({ name: e.name, attributes: attrs(e.attributes) })),
            links: (s.links ?? []).map((l: { traceId: string; spanId: string }) => ({ traceId: l.traceId, spanId: l.spanId })),
            resource,
          })
        }
      }
    }
  }

  #addLogs(body: { resourceLogs?: Record<string, any>[] }): void {
    for (const rl of body.resourceLogs ?? []) {
      const resource = attrs(rl.resource?.attributes)
      for (const sl of rl.scopeLogs ?? []) {
        for (const l of sl.logRecords ?? []) {
          this.logs.push({
            traceId: l.traceId ?? '',
            spanId: l.spanId ?? '',
            body: anyValue(l.body),
            severityText: l.severityText ?? '',
            attributes: attrs(l.attributes),
            resource,
          })
        }
      }
    }
  }
}
