/**
 * Exemplar slots: when each histogram bucket of each label set last got an exemplar. A
 * bucket whose exemplar is stale keeps the next trace observed into it (sampling.ts, reason
 * `exemplar`), so every bucket points at a trace that exists, and a recent one.
 */
import { TraceFlags, type SpanContext } from '@opentelemetry/api'
import type { Histogram } from 'prom-client'

/** A histogram observation held until its unit's keep decision (work-unit.ts). */
export interface PendingObservation {
  histogram: Histogram<string>
  labels: Record<string, string | number>
  value: number
  span: SpanContext | undefined
  /** Its exemplar slot, once found (ExemplarSlots' #slotOf). */
  slot?: Slot
}

/**
 * The renewal times of every bucket, and the recording of observations with or without an
 * exemplar.
 *
 * @example
 * const slots = new ExemplarSlots()
 * if (slots.stale(o, performance.now(), 15)) keep() // no exemplar in this bucket for 15 s
 * slots.record(o, keptTraceId, performance.now())
 */
export class ExemplarSlots {
  /** Last time (performance.now) each histogram bucket got an exemplar. */
  readonly #slots: SlotTree = new Map()

  /** True when `o`'s bucket got no exemplar in the last `intervalSeconds`. */
  stale(o: PendingObservation, now: number, intervalSeconds: number): boolean {
    const { times, bucket } = this.#slotOf(o)
    return now - times[bucket]! >= intervalSeconds * 1000
  }

  /** An exemplar only for a span of the kept trace itself (never one of another trace active meanwhile). */
  record(o: PendingObservation, keptTrace: string | undefined, now: number): void {
    if (keptTrace && o.span?.traceId === keptTrace && o.span.traceFlags & TraceFlags.SAMPLED) {
      const { times, bucket } = this.#slotOf(o)
      times[bucket] = now
      // Exemplar-enabled histograms only take the object form.
      o.histogram.observe({ labels: o.labels, value: o.value, exemplarLabels: { trace_id: o.span.traceId, span_id: o.span.spanId } })
    } else {
      o.histogram.observe({ labels: o.labels, value: o.value })
    }
  }

  /**
   * prom-client keeps one exemplar per bucket of each label set: the first upper bound >= value.
   * Found by walking a tree keyed by the histogram and then its label values in the
   * histogram's own sorted label order: no key string built, no sort, once per observation.
   */
  #slotOf(o: PendingObservation): Slot {
    if (o.slot) return o.slot
    const { upperBounds, sortedLabelNames } = o.histogram as unknown as HistogramInternals
    let bucket = 0
    while (bucket < upperBounds.length && o.value > upperBounds[bucket]!) bucket++
    let node = this.#slots
    let key: unknown = o.histogram
    for (const label of sortedLabelNames) {
      let next = node.get(key) as SlotTree | undefined
      if (!next) node.set(key, (next = new Map()))
      node = next
      key = o.labels[label]
    }
    let times = node.get(key) as number[] | undefined
    // One time per bucket and the +Inf bucket; never renewed reads as stale.
    if (!times) node.set(key, (times = new Array<number>(upperBounds.length + 1).fill(Number.NEGATIVE_INFINITY)))
    o.slot = { times, bucket }
    return o.slot
  }
}

/** What prom-client's Histogram holds that slots are found by (its own fields, stable across 15.x). */
interface HistogramInternals {
  upperBounds: number[]
  /** The histogram's label names, sorted once at construction. */
  sortedLabelNames: string[]
}

/** Histogram, then each label value in order, down to the last renewal time of each bucket. */
type SlotTree = Map<unknown, SlotTree | number[]>

/** One bucket of one label set: where its last renewal time is kept. */
interface Slot {
  times: number[]
  bucket: number
}
