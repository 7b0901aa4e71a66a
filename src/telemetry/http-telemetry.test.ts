import { describe, expect, test } from 'bun:test'
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Hono } from 'hono'
import pino from 'pino'
import type { AppEnv } from '../app-env.ts'
import { correlation } from './correlation.ts'
import { httpTelemetry } from './http-telemetry.ts'
import { createMetrics, openMetricsRegistry } from './metrics.ts'
import { installContext } from './tracing.ts'

function setup() {
  installContext()
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const lines: Record<string, unknown>[] = []
  const logger = pino({ mixin: () => ({}) }, { write: (l: string) => void lines.push(JSON.parse(l)) })
  const metrics = createMetrics(openMetricsRegistry())
  const app = new Hono<AppEnv>()
  app.use(correlation())
  app.use(httpTelemetry({ tracer: provider.getTracer('test'), logger, metrics }))
  app.get('/items/:id', (c) => c.text(`item ${c.req.param('id')}`))
  app.get('/boom', () => {
    throw new Error('kaput')
  })
  app.onError((err, c) => {
    c.set('error', err)
    return c.text('failed', 500)
  })
  return { app, exporter, lines, metrics }
}

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

describe('httpTelemetry', () => {
  test('continues the caller trace and names the span after the route pattern', async () => {
    const { app, exporter } = setup()
    const res = await app.request('/items/42', { headers: { traceparent: TRACEPARENT } })
    expect(res.status).toBe(200)
    const [span] = exporter.getFinishedSpans()
    expect(span?.name).toBe('GET /items/:id')
    expect(span?.kind).toBe(SpanKind.SERVER)
    expect(span?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331')
    expect(span?.attributes['http.route']).toBe('/items/:id')
    expect(span?.attributes['http.response.status_code']).toBe(200)
    expect(res.headers.get('traceresponse')).toStartWith('00-0af7651916cd43dd8448eb211c80319c-')
  })

  test("starts a new trace without a caller's headers, and hands on a caller's baggage without a traceparent", async () => {
    const { app, exporter } = setup()
    const seen: (string | undefined)[] = []
    app.get('/baggage', (c) => {
      seen.push(propagation.getBaggage(context.active())?.getEntry('tenant')?.value)
      return c.text('ok')
    })
    await app.request('/items/1')
    await app.request('/baggage', { headers: { baggage: 'tenant=acme' } })
    await app.request('/baggage')
    expect(seen).toEqual(['acme', undefined])
    const [first, second] = exporter.getFinishedSpans()
    expect(first!.parentSpanContext).toBeUndefined()
    expect(second!.spanContext().traceId).not.toBe(first!.spanContext().traceId)
  })

  test('echoes a well-formed request id and replaces a malformed one', async () => {
    const { app, exporter } = setup()
    const kept = await app.request('/items/1', { headers: { 'x-request-id': 'req-123' } })
    expect(kept.headers.get('x-request-id')).toBe('req-123')
    expect(exporter.getFinishedSpans()[0]?.attributes['request.id']).toBe('req-123')
    const replaced = await app.request('/items/1', { headers: { 'x-request-id': 'bad id"}\n' } })
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  test('records a failed request on its span, metric and log line', async () => {
    const { app, exporter, lines, metrics } = setup()
    const res = await app.request('/boom', { headers: { 'x-request-id': 'r-boom' } })
    expect(res.status).toBe(500)
    const [span] = exporter.getFinishedSpans()
    expect(span?.status.code).toBe(SpanStatusCode.ERROR)
    expect(span?.attributes['error.type']).toBe('Error')
    expect(span?.events.some((e) => e.name === 'exception')).toBe(true)
    expect(lines.at(-1)).toMatchObject({ request_id: 'r-boom', status: 500, route: '/boom', level: 50 })
    const text = await metrics.registry.metrics()
    expect(text).toContain('tts_request_duration_seconds_count{route="/boom",method="GET",status_code="500"} 1')
  })

  test('attaches the trace id as an exemplar on the duration histogram', async () => {
    const { app, metrics } = setup()
    await app.request('/items/7', { headers: { traceparent: TRACEPARENT } })
    const text = await metrics.registry.metrics()
    expect(text).toMatch(/tts_request_duration_seconds_bucket\{[^}]*route="\/items\/:id"[^}]*\} 1 # \{trace_id="0af7651916cd43dd8448eb211c80319c",span_id="[0-9a-f]{16}"\}/)
  })

  test('counts an unsampled request without an exemplar', async () => {
    const { app, metrics } = setup()
    const res = await app.request('/items/8', { headers: { traceparent: '00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' } })
    expect(res.status).toBe(200)
    const text = await metrics.registry.metrics()
    expect(text).toContain('tts_request_duration_seconds_count{route="/items/:id",method="GET",status_code="200"} 1')
    expect(text).not.toContain('1af7651916cd43dd8448eb211c80319c')
  })

  test('sends no traceresponse when tracing is off, with or without a caller trace', async () => {
    installContext()
    const app = new Hono<AppEnv>()
    app.use(correlation())
    // The API's own no-op tracer, as main.ts builds it under OTEL_SDK_DISABLED=true.
    app.use(httpTelemetry({ tracer: trace.getTracer('off'), logger: pino({ level: 'silent' }) }))
    app.get('/items/:id', (c) => c.text('item'))
    const alone = await app.request('/items/1')
    const continued = await app.request('/items/2', { headers: { traceparent: TRACEPARENT } })
    expect([alone.status, continued.status]).toEqual([200, 200])
    expect(alone.headers.get('traceresponse')).toBeNull()
    expect(continued.headers.get('traceresponse')).toBeNull()
    expect(alone.headers.get('x-request-id')).toBeTruthy()
  })

  test('labels unknown paths as unmatched so scans add no series', async () => {
    const { app, metrics } = setup()
    for (const path of ['/a', '/b/c', '/items']) await app.request(path)
    const text = await metrics.registry.metrics()
    expect(text).toContain('tts_request_duration_seconds_count{route="unmatched",method="GET",status_code="404"} 3')
    expect(text).not.toContain('route="/a"')
  })
})
