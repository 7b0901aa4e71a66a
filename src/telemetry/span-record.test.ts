/**
 * Kept spans built as plain records (span-record.ts, through the service's unit tracer) against
 * the SDK spans the same work makes: encoded by our protobuf encoder and decoded by protobufjs
 * from the opentelemetry-proto files (the test receiver's decoder), they must be the same spans
 * apart from their ids and clock readings. The rules compared are the SDK's (sdk-trace-base
 * 2.8.0, src/Span.ts) and the specification's: "Span Limits" (attribute count and value length,
 * event and link counts, attributes per event and link, each drop counted) and "Record
 * Exception" with the `exception.*` attributes of the semantic conventions.
 */
import { describe, expect, test } from 'bun:test'
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Span, type Tracer } from '@opentelemetry/api'
import { hrTime } from '@opentelemetry/core'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanLimits,
} from '@opentelemetry/sdk-trace-base'
import { comparable, decodeOtlpProto } from '../../test/support/otlp-proto-decoder.ts'
import { withDeferredSpan } from './deferred-span.ts'
import { keptTracesOnly } from './kept-trace-processor.ts'
import { encodeSpansProto } from './otlp-proto-spans.ts'
import { KEEP_ATTRIBUTE, REASON_ATTRIBUTE, registerKeeper, TraceKeeper, unitOf } from './sampling.ts'
import { installContext, withSpan } from './tracing.ts'
import { unitTracer } from './unit-tracer.ts'
import { wallTime } from './span-record.ts'

const resource = resourceFromAttributes({ 'service.name': 'tts-edge', 'service.instance.id': 'kspan-1' })
const linked = { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: TraceFlags.SAMPLED, isRemote: true }
const otherLink = { traceId: '3'.repeat(32), spanId: '4'.repeat(16), traceFlags: TraceFlags.NONE }
const fixedStart = new Date(1_700_000_000_000)
const fixedEnd = new Date(1_700_000_000_250)
// Made once, so both paths record the same stack.
const lookupError = new TypeError('store unreadable')
const engineError = Object.assign(new Error('engine went away'), { code: 'ECONNRESET' })

/** One unit of work, as the service does it: a lookup that fails, a synthesis with events, links and a caught error. */
async function work(tracer: Tracer, ctx: Context): Promise<void> {
  await withDeferredSpan(tracer, 'tts.cache.lookup', { 'tts.cache.backend': 'memory', 'tts.cache.key': 'k'.repeat(40) }, () => {
    throw lookupError
  }).catch(() => {})
  const synth = tracer.startSpan(
    'tts.synthesize',
    { kind: SpanKind.CLIENT, attributes: { 'tts.words': 20, 'tts.voices': ['alloy', 'a-very-long-voice-name'] }, links: [{ context: linked, attributes: { 'link.kind': 'session', n: 2 } }] },
    ctx,
  )
  synth.addLink({ context: otherLink })
  for (let i = 0; i < 3; i++) synth.addEvent('tts.sentence', { index: i, text_length: 10 * i, voice: 'alloy' })
  synth.recordException(engineError)
  synth.setStatus({ code: SpanStatusCode.ERROR, message: 'engine went away' })
  synth.setStatus({ code: SpanStatusCode.UNSET })
  synth.end()
  await withSpan(tracer, 'tts.encode', { 'tts.format': 'mp3' }, (span) => span.setStatus({ code: SpanStatusCode.OK }), SpanKind.INTERNAL, ctx)
  const timed = tracer.startSpan('tts.timed', { startTime: fixedStart }, ctx)
  timed.addEvent('half', fixedStart)
  timed.end(fixedEnd)
}

const rootAttributes = { 'http.request.method': 'POST', 'url.path': '/v1/audio/speech', 'request.id': 'req-1' }
const finishRoot = (root: Span) => {
  root.updateName('POST /v1/audio/speech')
  root.setAttributes({ 'http.route': '/v1/audio/speech', 'http.response.status_code': 200, 'extra.a': 1, 'extra.b': 'b'.repeat(30) })
}

/** The old path: SDK spans all the way, marked kept by hand as the keeper marks them. */
async function throughSdk(spanLimits: SpanLimits): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ resource, spanLimits, spanProcessors: [new SimpleSpanProcessor(memory)] })
  const tracer = provider.getTracer('tts-edge')
  const root = tracer.startSpan('POST', { kind: SpanKind.SERVER, attributes: rootAttributes }, ROOT_CONTEXT)
  const ctx = trace.setSpan(ROOT_CONTEXT, root)
  await context.with(ctx, () => work(tracer, ctx))
  finishRoot(root)
  root.setAttributes({ [KEEP_ATTRIBUTE]: true, [REASON_ATTRIBUTE]: 'ratio' })
  tracer.startSpan('tts.cache.store', {}, ctx).end()
  root.end()
  return memory.getFinishedSpans()
}

/** The new path: the service's unit tracer, its spans lazy until the keeper keeps the trace, then records. */
async function throughRecords(spanLimits: SpanLimits): Promise<{ spans: ReadableSpan[]; viaProcessor: number }> {
  const memory = new InMemorySpanExporter()
  const sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() })
  const viaProcessor = new InMemorySpanExporter()
  const processor = keptTracesOnly(new SimpleSpanProcessor(viaProcessor), { maxWaitingSpans: 100 })
  const sdk = new BasicTracerProvider({ resource, spanLimits, sampler, spanProcessors: [processor] }).getTracer('tts-edge')
  const tracer = unitTracer(sdk, { sampler, processor, batch: new SimpleSpanProcessor(memory), resource })
  const keeper = new TraceKeeper({ ratio: 1, slowSeconds: Number.POSITIVE_INFINITY, exemplarIntervalSeconds: 0 })
  registerKeeper(tracer, keeper)
  const root = tracer.startSpan('POST', { kind: SpanKind.SERVER, attributes: rootAttributes }, ROOT_CONTEXT)
  const ctx = keeper.begin(root, ROOT_CONTEXT)
  await context.with(ctx, () => work(tracer, ctx))
  finishRoot(root)
  keeper.decide(unitOf(ctx)!, { error: false, seconds: 0.01 })
  tracer.startSpan('tts.cache.store', {}, ctx).end()
  root.end()
  return { spans: memory.getFinishedSpans(), viaProcessor: viaProcessor.getFinishedSpans().length }
}

const TIMES = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano'])

/** The decoded request with ids replaced by span names and clock readings left out (`keepTimes` keeps them). */
function decoded(spans: ReadableSpan[], keepTimes = false) {
  const body = comparable(decodeOtlpProto('traces', encodeSpansProto(spans))) as { resourceSpans: any[] }
  const all = body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s: any) => s.spans)) as any[]
  const names = new Map(all.map((s) => [s.spanId, s.name]))
  const strip = (value: any): any => {
    if (Array.isArray(value)) return value.map(strip)
    if (value === null || typeof value !== 'object') return value
    return Object.fromEntries(Object.entries(value).filter(([k]) => keepTimes || !TIMES.has(k)).map(([k, v]) => [k, strip(v)]))
  }
  return {
    envelope: body.resourceSpans.map((r) => ({ resource: r.resource, scopes: r.scopeSpans.map((s: any) => s.scope) })),
    spans: all
      .map((s) => strip({ ...s, traceId: s.traceId === all[0].traceId, spanId: undefined, parentSpanId: names.get(s.parentSpanId) ?? s.parentSpanId }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    raw: all,
  }
}

const TIGHT: SpanLimits = {
  attributeCountLimit: 6,
  attributeValueLengthLimit: 8,
  eventCountLimit: 2,
  linkCountLimit: 1,
  attributePerEventCountLimit: 2,
  attributePerLinkCountLimit: 1,
}

describe('kept spans built as records', () => {
  installContext()

  const NONE_KEPT: SpanLimits = { eventCountLimit: 0, linkCountLimit: 0 }
  for (const [label, limits] of [['the default limits', {}], ['tight limits on every count and length', TIGHT], ['no events or links allowed', NONE_KEPT]] as const) {
    test(`decode to the spans the SDK makes of the same work, apart from ids and times (${label})`, async () => {
      const sdk = decoded(await throughSdk(limits))
      const { spans, viaProcessor } = await throughRecords(limits)
      const ours = decoded(spans)
      expect(ours.spans.map((s) => s.name)).toEqual(['POST /v1/audio/speech', 'tts.cache.lookup', 'tts.cache.store', 'tts.encode', 'tts.synthesize', 'tts.timed'])
      expect(ours.envelope).toEqual(sdk.envelope)
      expect(ours.spans).toEqual(sdk.spans)
      // None of them went through the SDK's span processors.
      expect(viaProcessor).toBe(0)
      expect(spans.some((s) => s.constructor.name === 'SpanImpl')).toBe(false)
    })
  }

  test('the limits drop and count what they must (the same as the SDK, checked above)', async () => {
    const { spans } = await throughRecords(TIGHT)
    const synth = spans.find((s) => s.name === 'tts.synthesize')!
    // Three sentences and an exception past a limit of two: the oldest go, and are counted.
    expect(synth.events.map((e) => e.name)).toEqual(['tts.sentence', 'exception'])
    expect(synth.droppedEventsCount).toBe(2)
    expect(synth.events[1]!.attributes).toEqual({ 'exception.type': 'ECONNRES', 'exception.message': 'engine w' })
    expect(synth.events[1]!.droppedAttributesCount).toBe(1)
    expect(synth.links).toEqual([{ context: otherLink }])
    expect(synth.droppedLinksCount).toBe(1)
    expect(synth.attributes['tts.voices']).toEqual(['alloy', 'a-very-l'])
    const root = spans.find((s) => s.kind === SpanKind.SERVER)!
    expect(Object.keys(root.attributes)).toHaveLength(6)
    expect(root.droppedAttributesCount).toBe(3)
  })

  test('exceptions carry type, message and stack at the time they were recorded; status stays as set', async () => {
    const { spans } = await throughRecords({})
    const lookup = spans.find((s) => s.name === 'tts.cache.lookup')!
    const exception = lookup.events.find((e) => e.name === 'exception')!
    expect(exception.attributes?.['exception.type']).toBe('TypeError')
    expect(exception.attributes?.['exception.message']).toBe('store unreadable')
    expect(String(exception.attributes?.['exception.stacktrace'])).toContain('TypeError: store unreadable')
    expect(lookup.status).toEqual({ code: SpanStatusCode.ERROR, message: 'store unreadable' })
    expect(lookup.attributes['error.type']).toBe('TypeError')
    const synth = spans.find((s) => s.name === 'tts.synthesize')!
    expect(synth.status).toEqual({ code: SpanStatusCode.ERROR, message: 'engine went away' })
    expect(spans.find((s) => s.name === 'tts.encode')!.status).toEqual({ code: SpanStatusCode.OK })
  })

  test('times: given wall times are exact, performance-clock times lie inside their span and its trace', async () => {
    const before = Date.now()
    const { spans } = await throughRecords({})
    const after = Date.now()
    const sdkTimed = decoded(await throughSdk({}), true).raw.find((s) => s.name === 'tts.timed')
    const ours = decoded(spans, true)
    const timed = ours.raw.find((s) => s.name === 'tts.timed')
    expect(timed.startTimeUnixNano).toBe('1700000000000000000')
    expect(timed.endTimeUnixNano).toBe('1700000000250000000')
    expect(timed.events).toEqual(sdkTimed.events)
    const nanos = (value: string) => Number(BigInt(value) / 1_000_000n)
    const root = ours.raw.find((s) => s.kind === 2)
    for (const span of ours.raw.filter((s) => s.name !== 'tts.timed')) {
      expect(nanos(span.startTimeUnixNano)).toBeLessThanOrEqual(nanos(span.endTimeUnixNano))
      expect(nanos(span.startTimeUnixNano)).toBeGreaterThanOrEqual(nanos(root.startTimeUnixNano) - 5)
      expect(Math.abs(nanos(span.endTimeUnixNano) - (before + after) / 2)).toBeLessThan(after - before + 1000)
      for (const event of span.events ?? []) {
        expect(nanos(event.timeUnixNano)).toBeGreaterThanOrEqual(nanos(span.startTimeUnixNano))
        expect(nanos(event.timeUnixNano)).toBeLessThanOrEqual(nanos(span.endTimeUnixNano))
      }
    }
  })
})

test('a performance-clock reading becomes the wall time core’s hrTime() makes of it, to the nanosecond', () => {
  const nanos = ([s, ns]: [number, number]) => BigInt(s) * 1_000_000_000n + BigInt(ns)
  for (const ms of [0, 0.0000004, 0.0000006, 1, 999.9999995, 1000, 123_456.789_012_3, 86_400_000.5, performance.now(), -3.25]) {
    const ours = wallTime(ms)
    expect(ours[1]).toBeGreaterThanOrEqual(0)
    expect(ours[1]).toBeLessThan(1e9)
    const diff = nanos(ours) - nanos(hrTime(ms) as [number, number])
    expect(diff >= -1n && diff <= 1n).toBe(true)
  }
})
