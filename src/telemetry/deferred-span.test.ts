import { describe, expect, test } from 'bun:test'
import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import { hrTimeToMilliseconds } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { withDeferredSpan } from './deferred-span.ts'
import { keptTracesOnly } from './kept-trace-processor.ts'
import { registerKeeper, TraceKeeper, unitOf } from './sampling.ts'
import { installContext } from './tracing.ts'

function setup(ratio: number) {
  installContext()
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [keptTracesOnly(new SimpleSpanProcessor(exporter), { maxWaitingSpans: 100 })] })
  const tracer = provider.getTracer('test')
  const keeper = new TraceKeeper({ ratio, slowSeconds: Number.POSITIVE_INFINITY, exemplarIntervalSeconds: 60 })
  registerKeeper(tracer, keeper)
  /** One unit of work: a root span, `work` inside it, the decision, the root's end. */
  async function unit<T>(work: () => Promise<T>) {
    const root = tracer.startSpan('root')
    const ctx = keeper.begin(root, context.active())
    let result: T | undefined
    let failure: unknown
    try {
      result = await context.with(ctx, work)
    } catch (err) {
      failure = err
    }
    keeper.decide(unitOf(ctx)!, { error: false, seconds: 0 })
    root.end()
    return { root, result, failure }
  }
  return { tracer, exporter, unit }
}

const lookup = async () => {
  await Bun.sleep(5) // the step's own duration, so its times can be told apart from the decision's
  return 'found'
}

describe('withDeferredSpan', () => {
  test('in a kept trace the span is built as a child of the root, with the times it really ran', async () => {
    const { tracer, exporter, unit } = setup(1)
    let inside = 0
    let after = 0
    const { root, result } = await unit(async () => {
      const value = await withDeferredSpan(tracer, 'tts.cache.lookup', { 'tts.cache.backend': 'memory' }, async (span) => {
        inside = performance.timeOrigin + performance.now()
        const found = await lookup()
        span.setAttribute('tts.cache.result', 'cache_hit')
        return found
      })
      after = performance.timeOrigin + performance.now()
      await Bun.sleep(20) // the rest of the request: the child must not stretch to the decision
      return value
    })
    expect(result).toBe('found')
    const child = exporter.getFinishedSpans().find((s) => s.name === 'tts.cache.lookup')!
    expect(child).toBeDefined()
    expect(child.parentSpanContext?.spanId).toBe(root.spanContext().spanId)
    expect(child.spanContext().traceId).toBe(root.spanContext().traceId)
    expect(child.attributes).toEqual({ 'tts.cache.backend': 'memory', 'tts.cache.result': 'cache_hit' })
    const [start, end] = [hrTimeToMilliseconds(child.startTime), hrTimeToMilliseconds(child.endTime)]
    expect(start).toBeLessThanOrEqual(inside + 1)
    expect(end - start).toBeGreaterThanOrEqual(4)
    expect(end).toBeLessThanOrEqual(after + 1)
  })

  test('in a dropped trace no span is built or exported', async () => {
    const { tracer, exporter, unit } = setup(0)
    const { result } = await unit(() => withDeferredSpan(tracer, 'tts.cache.lookup', {}, lookup))
    expect(result).toBe('found')
    expect(exporter.getFinishedSpans()).toEqual([])
  })

  test('a failing step is rethrown and, when kept, its span carries the exception and ERROR status', async () => {
    const { tracer, exporter, unit } = setup(1)
    const { failure } = await unit(() =>
      withDeferredSpan(tracer, 'tts.cache.lookup', {}, async () => {
        throw new TypeError('disk gone')
      }),
    )
    expect((failure as Error).message).toBe('disk gone')
    const child = exporter.getFinishedSpans().find((s) => s.name === 'tts.cache.lookup')!
    expect(child.status).toEqual({ code: SpanStatusCode.ERROR, message: 'disk gone' })
    expect(child.attributes['error.type']).toBe('TypeError')
    expect(child.events.map((e) => e.name)).toEqual(['exception'])
  })

  test('outside any unit of work it is an ordinary span, active while the step runs', async () => {
    const { tracer } = setup(0)
    let active: { recording: boolean; name: string | undefined } | undefined
    await withDeferredSpan(tracer, 'standalone', {}, () => {
      const span = trace.getActiveSpan() as (Span & { name?: string }) | undefined
      active = { recording: !!span?.isRecording(), name: span?.name }
    })
    expect(active).toEqual({ recording: true, name: 'standalone' })
  })
})
