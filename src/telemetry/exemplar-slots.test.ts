import { describe, expect, test } from 'bun:test'
import { Histogram } from 'prom-client'
import { TraceFlags } from '@opentelemetry/api'
import { ExemplarSlots, pendingObservation } from './exemplar-slots.ts'
import { openMetricsRegistry } from './metrics.ts'

function twins() {
  const ours = openMetricsRegistry()
  const plain = openMetricsRegistry()
  const options = { name: 'tts_test_seconds', help: 'test', labelNames: ['route', 'status_code'], buckets: [0.1, 0.5, 1], enableExemplars: true }
  return {
    ours: new Histogram({ ...options, registers: [ours] }),
    registry: ours,
    plain: new Histogram({ ...options, registers: [plain] }),
    text: async () => [await ours.metrics(), await plain.metrics()],
  }
}

const VALUES = [0.05, 0.1, 0.3, 0.5, 0.7, 1, 2.5, 0, 0.1, 9]

describe('exemplar slots', () => {
  test('observations without an exemplar are counted exactly as prom-client counts them', async () => {
    const { ours, plain, text } = twins()
    const slots = new ExemplarSlots()
    // prom-client's own observe runs once per label set; the rest are counted into its entry.
    let observed = 0
    const observe = ours.observe.bind(ours) as (data: { labels: Record<string, string | number>; value: number }) => void
    Object.assign(ours, { observe: (data: { labels: Record<string, string | number>; value: number }) => (observed++, observe(data)) })
    for (const [i, value] of VALUES.entries()) {
      const labels = { route: i % 3 ? '/v1/audio/speech' : '/healthz', status_code: i % 2 ? '200' : 200 }
      slots.record(pendingObservation(ours, labels, value, undefined), undefined, 0)
      plain.observe({ labels, value })
    }
    const [mine, theirs] = await text()
    expect(mine).toBe(theirs!)
    expect(mine).toContain('tts_test_seconds_count{route="/v1/audio/speech",status_code="200"} 6')
    expect(observed).toBe(4)
  })

  test('a histogram reset or a label set zeroed is counted into its new entry, not the old one', async () => {
    const { ours, plain, text } = twins()
    const slots = new ExemplarSlots()
    const labels = { route: '/v1/audio/speech', status_code: '200' }
    const both = (value: number) => {
      slots.record(pendingObservation(ours, labels, value, undefined), undefined, 0)
      plain.observe({ labels, value })
    }
    both(0.2)
    both(0.3)
    ours.reset()
    plain.reset()
    both(0.4)
    ours.zero(labels)
    plain.zero(labels)
    both(2)
    const [mine, theirs] = await text()
    expect(mine).toBe(theirs!)
    expect(mine).toContain('tts_test_seconds_count{route="/v1/audio/speech",status_code="200"} 1')
  })

  test('a value that is not a number is refused as prom-client refuses it', () => {
    const { ours } = twins()
    const slots = new ExemplarSlots()
    const labels = { route: '/', status_code: '200' }
    slots.record(pendingObservation(ours, labels, 0.2, undefined), undefined, 0)
    expect(() => slots.record(pendingObservation(ours, labels, Number.NaN, undefined), undefined, 0)).toThrow(TypeError)
  })

  test('a kept trace\'s observation carries its exemplar and renews its bucket', async () => {
    const { ours, registry } = twins()
    const slots = new ExemplarSlots()
    const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED }
    const o = pendingObservation(ours, { route: '/', status_code: '200' }, 0.3, span)
    expect(slots.stale(o, 1000, 15)).toBe(true)
    slots.record(o, span.traceId, 1000)
    expect(slots.stale(pendingObservation(ours, { route: '/', status_code: '200' }, 0.3, span), 2000, 15)).toBe(false)
    expect(await registry.metrics()).toContain(`trace_id="${span.traceId}"`)
  })

  test('exemplars of kept traces read exactly as prom-client writes them, counted or set in place', async () => {
    const { ours, plain, text } = twins()
    const slots = new ExemplarSlots()
    // One clock for both: prom-client stamps an exemplar with Date.now().
    const now = Date.now
    Date.now = () => 1_796_000_000_000
    try {
      for (const [i, value] of [...VALUES, ...VALUES].entries()) {
        const labels = { route: i % 3 ? '/v1/audio/speech' : '/healthz', status_code: '200' }
        const span = { traceId: i.toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'), traceFlags: TraceFlags.SAMPLED }
        // Every other observation of a kept trace, the rest counted without one: both paths, in every bucket.
        const kept = i % 2 === 0
        slots.record(pendingObservation(ours, labels, value, span), kept ? span.traceId : undefined, 0)
        if (kept) plain.observe({ labels, value, exemplarLabels: { trace_id: span.traceId, span_id: span.spanId } })
        else plain.observe({ labels, value })
      }
    } finally {
      Date.now = now
    }
    const [mine, theirs] = await text()
    expect(mine).toBe(theirs!)
    // The last kept 2.5 (the 17th observation) is the +Inf bucket's exemplar.
    expect(mine).toContain(`le="+Inf",route="/v1/audio/speech",status_code="200"} 13 # {trace_id="${(16).toString(16).padStart(32, '0')}",span_id="${(17).toString(16).padStart(16, '0')}"} 2.5`)
  })
})
