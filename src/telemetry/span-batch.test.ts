/**
 * Spans over OTLP/HTTP protobuf encoded into their batch as they arrive (span-batch.ts), through
 * the service's own createTracing: what a local collector decodes (protobufjs, the .proto files)
 * equals what the http/json protocol sends through the SDK's BatchSpanProcessor for the same
 * work, and the batch processor's promises hold (bounded queue with drops counted as traces,
 * the schedule delay, shutdown delivering what was accepted).
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { loadConfig } from '../config.ts'
import { otlpCollector, stopCollectors } from '../../test/support/otlp-collector.ts'
import { comparable } from '../../test/support/otlp-proto-decoder.ts'
import { withDeferredSpan } from './deferred-span.ts'
import { keeperOf, unitOf } from './sampling.ts'
import { createTracing, withSpan } from './tracing.ts'

afterEach(stopCollectors)

const collector = (hold: (n: number) => Promise<void> | undefined = () => undefined) => otlpCollector('traces', (n) => ({ hold: hold(n) }))

function tracingFor(endpoint: string, env: Record<string, string> = {}) {
  const dropped: number[] = []
  const config = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'span-batch-test', TTS_TRACE_KEEP_RATIO: '1', ...env })
  const tracing = createTracing(config, undefined, (signal, n) => {
    if (signal === 'traces') dropped.push(n)
  })
  return { tracing, dropped: () => dropped.reduce((a, b) => a + b, 0) }
}

/** One kept request: a root, a deferred lookup, a failing step, a step started after the decision. */
async function request(tracing: ReturnType<typeof createTracing>, n = 1) {
  const { tracer } = tracing
  const keeper = keeperOf(tracer)
  const root = tracer.startSpan('POST', { kind: SpanKind.SERVER, attributes: { 'request.id': `r-${n}` } }, ROOT_CONTEXT)
  const ctx = keeper.begin(root, ROOT_CONTEXT)
  await context.with(ctx, async () => {
    await withDeferredSpan(tracer, 'tts.cache.lookup', { 'tts.cache.backend': 'memory' }, (span) => span.setAttribute('tts.cache.result', 'miss'))
    await withSpan(tracer, 'tts.synthesize', { 'tts.words': 20 }, () => {
      throw new RangeError('too long')
    }).catch(() => {})
  })
  root.setStatus({ code: SpanStatusCode.OK })
  keeper.decide(unitOf(ctx)!, { error: false, seconds: 0.01 })
  tracer.startSpan('tts.cache.store', {}, ctx).end()
  root.end()
}

const TIMES = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'traceId', 'spanId', 'parentSpanId', 'exception.stacktrace'])
const withoutIdsAndTimes = (value: any): any => {
  if (Array.isArray(value)) return value.filter((v) => !(v && v.key === 'exception.stacktrace')).map(withoutIdsAndTimes)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).filter(([k]) => !TIMES.has(k)).map(([k, v]) => [k, withoutIdsAndTimes(v)]))
}

describe('spans over OTLP/HTTP protobuf, encoded as they reach the batch', () => {
  test('decode to what the http/json protocol sends through the SDK batch processor for the same work', async () => {
    const c = collector()
    const proto = tracingFor(c.endpoint)
    const json = tracingFor(c.endpoint, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })
    for (const { tracing } of [proto, json]) {
      await request(tracing)
      await tracing.shutdown()
    }
    expect(c.requests.map((r) => r.contentType)).toEqual(['application/x-protobuf', 'application/json'])
    const [ours, theirs] = c.requests.map((r) => withoutIdsAndTimes(comparable(r.body)))
    expect(ours.resourceSpans[0].scopeSpans[0].spans.map((s: any) => s.name)).toEqual(['tts.cache.lookup', 'tts.synthesize', 'tts.cache.store', 'POST'])
    expect(ours).toEqual(theirs)
    // Parent links hold: every child's parent is the root.
    const spans = c.requests[0]!.items
    const root = spans.find((s) => s.name === 'POST')!
    expect(spans.filter((s) => s !== root).every((s) => s.parentSpanId === root.spanId && s.traceId === root.traceId)).toBe(true)
  })

  test('the schedule delay sends a batch with nothing else to trigger it', async () => {
    const c = collector()
    const { tracing } = tracingFor(c.endpoint, { OTEL_BSP_SCHEDULE_DELAY: '20' })
    await request(tracing)
    await c.arrived(1)
    expect(c.requests[0]!.items).toHaveLength(4)
    await tracing.shutdown()
  })

  test('a full queue drops spans and counts them as traces; shutdown delivers everything accepted', async () => {
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const c = collector((n) => (n === 1 ? held : undefined))
    const { tracing, dropped } = tracingFor(c.endpoint, { OTEL_BSP_MAX_QUEUE_SIZE: '8', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4' })
    await request(tracing, 1) // four spans: a full batch, sent, its answer held
    await c.arrived(1)
    await request(tracing, 2)
    await request(tracing, 3) // eight waiting: the queue is full
    await request(tracing, 4) // all four dropped
    expect(dropped()).toBe(4)
    release()
    await tracing.shutdown()
    expect(c.requests.map((r) => r.items.length)).toEqual([4, 4, 4])
    const ids = c.requests.flatMap((r) => r.items.filter((s) => s.name === 'POST').map((s) => s.attributes[0].value.stringValue))
    expect(ids).toEqual(['r-1', 'r-2', 'r-3'])
  })
})
