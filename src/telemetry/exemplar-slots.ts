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
  /** Its label set's slots and its bucket, once found (ExemplarSlots' #slotOf): held here, no object of their own. */
  set: LabelSet | undefined
  bucket: number
}

/**
 * A held observation, its slot fields set up front so every one has the same shape.
 *
 * @example
 * unit.pending.push(pendingObservation(histogram, { route }, 0.2, span))
 */
export function pendingObservation(histogram: Histogram<string>, labels: Record<string, string | number>, value: number, span: SpanContext | undefined): PendingObservation {
  return { histogram, labels, value, span, set: undefined, bucket: -1 }
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
    const set = this.#slotOf(o)
    return now - set.times[o.bucket]! >= intervalSeconds * 1000
  }

  /** An exemplar only for a span of the kept trace itself (never one of another trace active meanwhile). */
  record(o: PendingObservation, keptTrace: string | undefined, now: number): void {
    if (keptTrace && o.span?.traceId === keptTrace && o.span.traceFlags & TraceFlags.SAMPLED) {
      this.#slotOf(o).times[o.bucket] = now
      const exemplarLabels = { trace_id: o.span.traceId, span_id: o.span.spanId }
      if (this.#count(o)) return this.#exemplify(o, exemplarLabels)
      // Exemplar-enabled histograms only take the object form.
      o.histogram.observe({ labels: o.labels, value: o.value, exemplarLabels })
      this.#bind(o)
    } else if (!this.#count(o)) {
      o.histogram.observe({ labels: o.labels, value: o.value })
      this.#bind(o)
    }
  }

  /**
   * Counts an observation without an exemplar straight into prom-client's own entry for its
   * label set (sum, count, bucket), as its `observe` would: that call hashes and validates
   * the label set every time (about 4 µs in the service, ten times on a native miss). Only an
   * entry prom-client made itself, for this label set, and that its histogram still holds
   * (after a reset or `zero()` the entry is another), is counted into; otherwise false.
   */
  #count(o: PendingObservation): boolean {
    if (!Number.isFinite(o.value)) return false
    const set = this.#slotOf(o)
    const bucket = o.bucket
    const entry = set.entry
    const histogram = o.histogram as unknown as HistogramInternals
    if (!entry || histogram.hashMap[set.hash!] !== entry) return false
    entry.sum += o.value
    entry.count += 1
    // Beyond the last bound only count and sum move (+Inf is the count), as in prom-client.
    if (bucket < histogram.upperBounds.length) entry.bucketValues[histogram.upperBounds[bucket]!]! += 1
    return true
  }

  /**
   * After #count: the bucket's exemplar set as prom-client's `updateExemplar` sets it (the
   * same object, label set, value and timestamp), without hashing the label set again. The
   * label set is a trace id and a span id (63 characters with their names), always within
   * OpenMetrics' 128, which prom-client would check. A bucket that never had an exemplar
   * gets its first through prom-client itself.
   */
  #exemplify(o: PendingObservation, exemplarLabels: { trace_id: string; span_id: string }): void {
    const histogram = o.histogram as unknown as HistogramInternals
    // prom-client's findBound: the bucket's upper bound, or -1 beyond the last.
    const bound = o.bucket < histogram.upperBounds.length ? histogram.upperBounds[o.bucket]! : -1
    const exemplar = o.set!.entry!.bucketExemplars?.[bound]
    if (!exemplar) return histogram.updateExemplar(o.labels, o.value, exemplarLabels)
    exemplar.labelSet = exemplarLabels
    exemplar.value = o.value
    exemplar.timestamp = Date.now() / 1000
  }

  /** After prom-client observed a label set itself (validating it): remember its entry for #count. */
  #bind(o: PendingObservation): void {
    const set = this.#slotOf(o)
    const histogram = o.histogram as unknown as HistogramInternals
    // prom-client's key for a label set: `name:value,` for each label present, in sorted order.
    let hash = ''
    for (const name of histogram.sortedLabelNames) if (o.labels[name] !== undefined) hash += `${name}:${o.labels[name]},`
    const entry = histogram.hashMap[hash]
    if (entry) [set.entry, set.hash] = [entry, hash]
  }

  /**
   * prom-client keeps one exemplar per bucket of each label set: the first upper bound >= value.
   * Found by walking a tree keyed by the histogram and then its label values in the
   * histogram's own sorted label order: no key string built, no sort, once per observation.
   */
  #slotOf(o: PendingObservation): LabelSet {
    if (o.set) return o.set
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
    let set = node.get(key) as LabelSet | undefined
    // One time per bucket and the +Inf bucket; never renewed reads as stale.
    if (!set) node.set(key, (set = { times: new Array<number>(upperBounds.length + 1).fill(Number.NEGATIVE_INFINITY) }))
    o.set = set
    o.bucket = bucket
    return set
  }
}

/** What prom-client's Histogram holds that slots are found by (its own fields, stable across 15.x). */
interface HistogramInternals {
  upperBounds: number[]
  /** The histogram's label names, sorted once at construction. */
  sortedLabelNames: string[]
  /** Its values by label set (key: hashObject of the labels). */
  hashMap: Record<string, BucketEntry | undefined>
  updateExemplar(labels: Record<string, string | number>, value: number, exemplarLabels: Record<string, string>): void
}

/** prom-client's values of one label set. */
interface BucketEntry {
  sum: number
  count: number
  bucketValues: Record<number, number>
  /** Each bucket's exemplar by upper bound (-1 beyond the last), null until its first. */
  bucketExemplars?: Record<number, { labelSet: Record<string, string>; value: number; timestamp?: number } | null>
}

/** Histogram, then each label value in order, down to the label set's slots. */
type SlotTree = Map<unknown, SlotTree | LabelSet>

/** One label set of one histogram: each bucket's last exemplar time, and prom-client's entry once known. */
export interface LabelSet {
  times: number[]
  entry?: BucketEntry
  hash?: string
}
