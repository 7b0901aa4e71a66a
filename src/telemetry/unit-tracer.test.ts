import { describe, expect, test } from 'bun:test'
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { AlwaysOnSampler, BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { keptTracesOnly } from './kept-trace-processor.ts'
import { KEEP_ATTRIBUTE, TraceKeeper, unitOf } from './sampling.ts'
import { installContext } from './tracing.ts'
import { unitTracer } from './unit-tracer.ts'

function setup() {
  installContext()
  const exporter = new InMemorySpanExporter()
  const processor = keptTracesOnly(new SimpleSpanProcessor(exporter), { maxWaitingSpans: 100 })
  const sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() })
  const tracer = unitTracer(new BasicTracerProvider({ sampler, spanProcessors: [processor] }).getTracer('test'), { sampler, processor })
  return { tracer, exported: () => exporter.getFinishedSpans() }
}

const millis = ([s, ns]: [number, number]) => s * 1000 + ns / 1e6
const remoteParent = (flags: string): Context =>
  new W3CTraceContextPropagator().extract(ROOT_CONTEXT, { traceparent: `00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-${flags}` }, {
    get: (carrier, key) => (carrier as Record<string, string>)[key],
    keys: (carrier) => Object.keys(carrier as object),
  })

describe('roots: built when they end marked kept', () => {
  test('a kept root is built at its end with the ids its child saw, its real times, and all that was done to it', () => {
    const { tracer, exported } = setup()
    const before = Date.now()
    const root = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { 'url.path': '/items/7' } }, ROOT_CONTEXT)
    const child = tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root))
    child.end()
    const link = { context: { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: TraceFlags.SAMPLED } }
    root.setAttribute('http.route', '/items/:id').updateName('GET /items/:id').addEvent('retry', { attempt: 1 }).addLink(link)
    root.recordException(new Error('boom'))
    root.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' })
    // Nothing leaves before the decision: the child waits for its root.
    expect(exported()).toHaveLength(0)
    root.setAttribute(KEEP_ATTRIBUTE, true)
    root.end()
    const after = Date.now()

    const built = exported().find((s) => s.name === 'GET /items/:id')!
    const waited = exported().find((s) => s.name === 'child')!
    expect(exported()).toHaveLength(2)
    expect(built.spanContext().traceId).toBe(root.spanContext().traceId)
    expect(built.spanContext().spanId).toBe(root.spanContext().spanId)
    expect(waited.parentSpanContext?.spanId).toBe(root.spanContext().spanId)
    expect(built.parentSpanContext).toBeUndefined()
    expect(built.kind).toBe(SpanKind.SERVER)
    expect(built.attributes).toEqual({ 'url.path': '/items/7', 'http.route': '/items/:id', [KEEP_ATTRIBUTE]: true })
    expect(built.events.map((e) => e.name)).toEqual(['retry', 'exception'])
    expect(built.events[1]!.attributes?.['exception.message']).toBe('boom')
    expect(built.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' })
    expect(built.links.map((l) => l.context.spanId)).toEqual(['2'.repeat(16)])
    // Its times are when it started and ended, not when it was built: it lasted at least as long as
    // its child, and its events lie within it. (The SDK turns performance.now() times into wall time
    // with an offset it measures per span, so times of two spans, or against Date.now(), agree to
    // a few milliseconds on a busy machine; within one span they are exact.)
    expect(millis(built.duration)).toBeGreaterThanOrEqual(millis(waited.duration))
    for (const event of built.events) {
      expect(millis(event.time)).toBeGreaterThanOrEqual(millis(built.startTime))
      expect(millis(event.time)).toBeLessThanOrEqual(millis(built.endTime))
    }
    expect(Math.abs(millis(built.startTime) - before)).toBeLessThan(1000)
    expect(Math.abs(millis(built.endTime) - after)).toBeLessThan(1000)
  })

  test('a dropped root is never built, and its trace’s spans are let go, also those that end after it', () => {
    const { tracer, exported } = setup()
    const root = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT)
    const early = tracer.startSpan('early', {}, trace.setSpan(ROOT_CONTEXT, root))
    const late = tracer.startSpan('late', {}, trace.setSpan(ROOT_CONTEXT, root))
    early.end()
    root.setAttribute('http.route', '/items/:id')
    root.end()
    late.end()
    expect(root.isRecording()).toBe(false)
    expect(exported()).toHaveLength(0)
    // The processor holds nothing back from the next trace.
    const next = tracer.startSpan('GET', {}, ROOT_CONTEXT)
    next.setAttribute(KEEP_ATTRIBUTE, true)
    next.end()
    expect(exported().map((s) => s.spanContext().traceId)).toEqual([next.spanContext().traceId])
  })

  test('a sampled remote parent is continued; an unsampled one gives a root that records nothing', () => {
    const { tracer, exported } = setup()
    const continued = tracer.startSpan('POST', { kind: SpanKind.SERVER }, remoteParent('01'))
    expect(continued.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(continued.isRecording()).toBe(true)
    continued.setAttribute(KEEP_ATTRIBUTE, true)
    continued.end()
    expect(exported()[0]!.parentSpanContext?.spanId).toBe('b7ad6b7169203331')
    expect(exported()[0]!.spanContext().spanId).toBe(continued.spanContext().spanId)

    const unsampled = tracer.startSpan('POST', { kind: SpanKind.SERVER }, remoteParent('00'))
    expect(unsampled.isRecording()).toBe(false)
    expect(unsampled.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(unsampled.spanContext().traceFlags).toBe(TraceFlags.NONE)
  })

  test('a linked trace’s root starts a new trace even where a span is active', () => {
    const { tracer } = setup()
    const session = tracer.startSpan('session', {}, ROOT_CONTEXT)
    const utterance = tracer.startSpan('utterance', { root: true }, trace.setSpan(ROOT_CONTEXT, session))
    expect(utterance.spanContext().traceId).not.toBe(session.spanContext().traceId)
  })

})

describe('spans inside a unit of work: built only once its trace is kept', () => {
  function unit(keep: boolean) {
    const { tracer, exported } = setup()
    const keeper = new TraceKeeper({ ratio: keep ? 1 : 0, slowSeconds: Number.POSITIVE_INFINITY, exemplarIntervalSeconds: 0 })
    const root = tracer.startSpan('POST', { kind: SpanKind.SERVER }, ROOT_CONTEXT)
    const ctx = keeper.begin(root, ROOT_CONTEXT)
    const finish = () => {
      keeper.decide(unitOf(ctx)!, { error: false, seconds: 0.01 })
      root.end()
    }
    return { tracer, exported, root, ctx, finish }
  }

  test('kept: every span is built with the ids its children saw, whatever order they end in', () => {
    const { tracer, exported, root, ctx, finish } = unit(true)
    const synth = tracer.startSpan('tts.synthesize', { attributes: { 'tts.words': 20 } }, ctx)
    const inner = tracer.startSpan('POST', { kind: SpanKind.CLIENT }, trace.setSpan(ctx, synth))
    const encode = tracer.startSpan('tts.encode', { startTime: Date.now() - 5 }, ctx)
    encode.end()
    synth.setAttribute('tts.rtf', 0.1)
    synth.end()
    inner.end() // ends after its parent
    expect(exported()).toHaveLength(0)
    finish()
    const spans = exported()
    expect(spans.map((s) => s.name).sort()).toEqual(['POST', 'POST', 'tts.encode', 'tts.synthesize'])
    const synthBuilt = spans.find((s) => s.name === 'tts.synthesize')!
    expect(synthBuilt.spanContext().spanId).toBe(synth.spanContext().spanId)
    expect(synthBuilt.parentSpanContext?.spanId).toBe(root.spanContext().spanId)
    expect(synthBuilt.attributes).toEqual({ 'tts.words': 20, 'tts.rtf': 0.1 })
    const client = spans.find((s) => s.kind === SpanKind.CLIENT)!
    expect(client.parentSpanContext?.spanId).toBe(synth.spanContext().spanId)
    expect(spans.every((s) => s.spanContext().traceId === root.spanContext().traceId)).toBe(true)
    // After the decision, a kept trace's new spans are built (as records) when they end.
    const store = tracer.startSpan('tts.cache.store', {}, ctx)
    store.end()
    expect(exported().map((s) => s.name)).toContain('tts.cache.store')
  })

  test('dropped: nothing is built, and spans started after the decision only carry ids', () => {
    const { tracer, exported, ctx, finish } = unit(false)
    const synth = tracer.startSpan('tts.synthesize', {}, ctx)
    synth.end()
    finish()
    const store = tracer.startSpan('tts.cache.store', {}, ctx)
    expect(store.isRecording()).toBe(false)
    expect(store.spanContext().traceId).toBe(synth.spanContext().traceId)
    store.end()
    expect(exported()).toEqual([])
  })
})
