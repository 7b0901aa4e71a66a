import { describe, expect, test } from 'bun:test'
import { context, trace } from '@opentelemetry/api'
import { AlwaysOnSampler, BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Hono } from 'hono'
import pino from 'pino'
import type { AppEnv } from '../app-env.ts'
import { correlation } from './correlation.ts'
import { httpTelemetry } from './http-telemetry.ts'
import { keptTracesOnly } from './kept-trace-processor.ts'
import { createMetrics, observe, openMetricsRegistry } from './metrics.ts'
import { unitTracer } from './unit-tracer.ts'
import { KEEP_ATTRIBUTE, ratioKeeps, unitOf, REASON_ATTRIBUTE, registerKeeper, TraceKeeper, type KeepPolicy } from './sampling.ts'
import { installContext, withSpan } from './tracing.ts'

const NEVER_SLOW = Number.POSITIVE_INFINITY

/** Without `withMetrics` no histogram is observed, so no request is kept for an exemplar. */
function setup(policy: Partial<KeepPolicy> = {}, { maxWaitingSpans = 1000, withMetrics = false } = {}) {
  installContext()
  const exporter = new InMemorySpanExporter()
  const dropped: number[] = []
  const processor = keptTracesOnly(new SimpleSpanProcessor(exporter), { maxWaitingSpans, onDropped: (_, n) => dropped.push(n) })
  const sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() })
  // Spans are lazy, as createTracing makes them (unit-tracer.ts).
  const tracer = unitTracer(new BasicTracerProvider({ sampler, spanProcessors: [processor] }).getTracer('test'), { sampler, processor })
  let now = 0
  const clock = { advance: (seconds: number) => (now += seconds * 1000) }
  registerKeeper(tracer, new TraceKeeper({ ratio: 0, slowSeconds: NEVER_SLOW, exemplarIntervalSeconds: 60, ...policy }, () => now))
  const lines: Record<string, unknown>[] = []
  const logger = pino({ mixin: () => ({}) }, { write: (l: string) => void lines.push(JSON.parse(l)) })
  const metrics = createMetrics(openMetricsRegistry())
  const app = new Hono<AppEnv>()
  app.use(correlation())
  app.use(httpTelemetry({ tracer, logger, ...(withMetrics && { metrics }) }))
  app.get('/items/:id', (c) => withSpan(tracer, 'child', {}, () => c.text('ok')))
  app.get('/boom', () => {
    throw new Error('kaput')
  })
  app.onError((err, c) => {
    c.set('error', err)
    return c.text('failed', 500)
  })
  const exportedTraces = () => new Set(exporter.getFinishedSpans().map((s) => s.spanContext().traceId))
  const exemplarTraceIds = async () => [...(await metrics.registry.metrics()).matchAll(/# \{trace_id="(\w+)"/g)].map((m) => m[1]!)
  return { app, tracer, exporter, lines, metrics, clock, dropped, exportedTraces, exemplarTraceIds }
}

const unitOfCtx = (ctx: ReturnType<typeof context.active>) => unitOf(ctx)!
const traceIdOf = (res: Response) => res.headers.get('traceresponse')!.split('-')[1]!
const flagsOf = (res: Response) => res.headers.get('traceresponse')!.split('-')[3]

describe('the keep decision at the end of a request', () => {
  test('attaches exemplars only to kept traces, keeping a request when its bucket has no recent exemplar', async () => {
    const { app, lines, exportedTraces, exemplarTraceIds, metrics } = setup({}, { withMetrics: true })
    const responses = []
    for (let i = 0; i < 20; i++) responses.push(await app.request(`/items/${i}`))
    // The first request of each bucket is kept; the rest of the bucket waits 60 s.
    const kept = responses.filter((r) => flagsOf(r) === '01').map(traceIdOf)
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.length).toBeLessThan(responses.length)
    expect(lines.map((l) => l.trace_kept)).toEqual(responses.map((r) => flagsOf(r) === '01'))
    expect([...exportedTraces()].sort()).toEqual([...kept].sort())
    const exemplars = await exemplarTraceIds()
    expect(exemplars.length).toBeGreaterThan(0)
    for (const traceId of exemplars) expect(exportedTraces().has(traceId)).toBe(true)
    expect(await metrics.registry.metrics()).toContain('tts_request_duration_seconds_count{route="/items/:id",method="GET",status_code="200"} 20')
  })

  test('exports a kept trace whole (root and children), and nothing of a dropped one', async () => {
    const { app, exporter } = setup()
    const kept = await app.request('/items/1', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } })
    const dropped = await app.request('/items/2')
    expect([flagsOf(kept), flagsOf(dropped)]).toEqual(['01', '00'])
    const spans = exporter.getFinishedSpans()
    expect(spans.map((s) => s.name).sort()).toEqual(['GET /items/:id', 'child'])
    expect(spans.every((s) => s.spanContext().traceId === traceIdOf(kept))).toBe(true)
    expect(spans.find((s) => s.name === 'GET /items/:id')?.attributes).toMatchObject({ [KEEP_ATTRIBUTE]: true, [REASON_ATTRIBUTE]: 'parent' })
    expect(spans.some((s) => s.spanContext().traceId === traceIdOf(dropped))).toBe(false)
  })

  test('keeps every 5xx, even when its bucket has a fresh exemplar', async () => {
    const { app, exporter, lines } = setup({}, { withMetrics: true })
    await app.request('/boom')
    const again = await app.request('/boom')
    expect(flagsOf(again)).toBe('01')
    expect(lines.at(-1)).toMatchObject({ status: 500, trace_kept: true })
    const root = exporter.getFinishedSpans().find((s) => s.spanContext().traceId === traceIdOf(again))
    expect(root?.attributes[REASON_ATTRIBUTE]).toBe('error')
  })

  test('keeps requests at or over the slow threshold', async () => {
    const fast = await setup({ slowSeconds: 3600 }).app.request('/items/1')
    expect(flagsOf(fast)).toBe('00')
    const { app, exporter } = setup({ slowSeconds: 0 })
    const slow = await app.request('/items/2')
    const root = exporter.getFinishedSpans().find((s) => s.spanContext().traceId === traceIdOf(slow) && s.name === 'GET /items/:id')
    expect(root?.attributes[REASON_ATTRIBUTE]).toBe('slow')
  })

  test('keeps a trace whose caller sent traceparent with the sampled flag', async () => {
    const { app, exportedTraces } = setup()
    const res = await app.request('/items/2', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } })
    expect(flagsOf(res)).toBe('01')
    expect(exportedTraces().has('0af7651916cd43dd8448eb211c80319c')).toBe(true)
  })

  test('keeps the configured share by trace id, the same way every time', async () => {
    const { app, lines } = setup({ ratio: 0.5 })
    const results: [string, boolean][] = []
    for (let i = 0; i < 40; i++) {
      const res = await app.request(`/items/${i}`)
      results.push([traceIdOf(res), lines.at(-1)!.trace_kept as boolean])
    }
    for (const [traceId, kept] of results) expect(kept).toBe(ratioKeeps(traceId, 0.5))
    expect(results.filter(([, kept]) => kept).length).toBeGreaterThan(5)
    expect(results.filter(([, kept]) => !kept).length).toBeGreaterThan(5)
  })
})

describe('TraceKeeper exemplar slots', () => {
  test('one kept trace per histogram bucket and label set per interval', () => {
    const { tracer, metrics, exportedTraces } = setup()
    const keeper = new TraceKeeper({ ratio: 0, slowSeconds: NEVER_SLOW, exemplarIntervalSeconds: 60 }, () => clockNow)
    let clockNow = 0
    const unit = (value: number, labels = { word_count_range: '1-10' }) => {
      const span = tracer.startSpan('unit')
      const ctx = keeper.begin(span, context.active())
      context.with(ctx, () => observe(metrics.wordCountDuration, labels, value))
      const reason = keeper.decide(unitOfCtx(ctx), { error: false, seconds: value })
      span.end()
      return reason
    }
    expect(unit(0.2)).toBe('exemplar')
    expect(unit(0.21)).toBeUndefined() // same bucket (<= 0.25), 0 s later
    expect(unit(0.3)).toBe('exemplar') // next bucket
    expect(unit(0.2, { word_count_range: '11-25' })).toBe('exemplar') // other label set
    clockNow += 59_999
    expect(unit(0.2)).toBeUndefined()
    clockNow += 1
    expect(unit(0.2)).toBe('exemplar')
    // The four kept units were marked and exported; the two others never left.
    expect(exportedTraces().size).toBe(4)
  })
})

describe('ratioKeeps', () => {
  test('reads the last 8 hex digits of the trace id as a fraction', () => {
    expect(ratioKeeps('0'.repeat(24) + '19999999', 0.1)).toBe(true)
    expect(ratioKeeps('0'.repeat(24) + '1999999a', 0.1)).toBe(false)
    expect(ratioKeeps('f'.repeat(32), 1)).toBe(true)
    expect(ratioKeeps('0'.repeat(32), 0)).toBe(false)
  })
})

describe('observations and spans outside a request', () => {
  test('an observation outside any unit of work carries no exemplar', async () => {
    const { tracer, metrics, exemplarTraceIds } = setup()
    const span = tracer.startSpan('loose')
    context.with(trace.setSpan(context.active(), span), () => observe(metrics.synthesisRtf, {}, 0.1))
    span.end()
    expect(await exemplarTraceIds()).toEqual([])
    expect(await metrics.registry.metrics()).toContain('tts_synthesis_rtf_count 1')
  })

  test('children still waiting for their root past the bound are dropped oldest first, and counted', () => {
    const { tracer, exporter, dropped } = setup({}, { maxWaitingSpans: 2 })
    const roots = [tracer.startSpan('a'), tracer.startSpan('b')]
    for (const root of roots) {
      const ctx = trace.setSpan(context.active(), root)
      for (let i = 0; i < 2; i++) tracer.startSpan('child', {}, ctx).end()
    }
    expect(dropped).toEqual([2])
    roots[1]!.setAttribute(KEEP_ATTRIBUTE, true)
    for (const root of roots) root.end()
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['child', 'child', 'b'])
  })
})
