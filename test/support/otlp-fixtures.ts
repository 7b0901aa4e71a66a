/**
 * The same spans and log records for every OTLP encoding test: a remote parent with a trace
 * state, every attribute value type, events, links, error status, two scopes and resources'
 * attributes; log bodies as a line, a nested object and bytes.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { installContext } from '../../src/telemetry/tracing.ts'

export function spans(): ReadableSpan[] {
  installContext()
  const memory = new InMemorySpanExporter()
  const resource = resourceFromAttributes({ 'service.name': 'svc', 'service.version': '1.0.0', n: 3, d: 1.5, b: true, list: ['a', 'b'] })
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] })
  const tracer = provider.getTracer('tts-edge', '0.1.0')
  // A remote parent with a tracestate, as an incoming request carries.
  const carrier = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=opaque"value' }
  const remote = propagation.extract(ROOT_CONTEXT, carrier)
  const server = tracer.startSpan(
    'POST /v1/audio/speech',
    {
      kind: SpanKind.SERVER,
      startTime: [1_700_000_000, 5],
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200, 'tts.rtf': 0.0123, ok: true, ids: [1, 2], words: ['a "quoted"\nword', 'é ✓'], big: 2 ** 60 },
    },
    remote,
  )
  const child = tracer.startSpan('tts.synthesize', { links: [{ context: server.spanContext(), attributes: { why: 'retry' } }] }, trace.setSpan(context.active(), server))
  child.recordException(new TypeError('engine "down"'))
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'engine down' })
  child.addEvent('first-audio', { bytes: 4096 }, [1_700_000_000, 999_999_999])
  child.end([1_700_000_001, 0])
  server.setStatus({ code: SpanStatusCode.OK })
  server.end([1_700_000_001, 123_456_789])
  const other = provider.getTracer('other').startSpan('root', { kind: SpanKind.CLIENT })
  other.end()
  return memory.getFinishedSpans()
}

export function logRecords(): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter()
  const resource = resourceFromAttributes({ 'service.name': 'svc', pid: 42 })
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor(memory)] })
  const span = new BasicTracerProvider().getTracer('t').startSpan('op')
  const logger = provider.getLogger('tts-edge')
  logger.emit({
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: '{"level":30,"msg":"request completed"}',
    attributes: { request_id: 'r-1', status: 200, duration_ms: 1.5 },
    context: trace.setSpan(context.active(), span),
  })
  logger.emit({ severityNumber: SeverityNumber.ERROR, body: { nested: { list: [1, 'x', null] } }, eventName: 'tts.failure' })
  provider.getLogger('other', '2.0.0').emit({ attributes: { empty: '' } })
  provider.getLogger('other', '2.0.0').emit({ body: new Uint8Array([0, 1, 254, 255]) })
  return memory.getFinishedLogRecords()
}
