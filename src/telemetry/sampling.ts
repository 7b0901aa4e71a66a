/**
 * Keep-or-drop of whole traces, decided by the service at the end of each unit of work
 * (an HTTP request, a streaming utterance, a session's close), so that everything it shows
 * (exemplars, the request log line's `trace_kept`, `traceresponse` flags) points only at
 * traces that exist in Tempo (DESIGN.md "Sampling").
 *
 * A unit lives in the OTel context next to its root span. Histogram observations made
 * inside it are held until the decision, then recorded, with the trace as exemplar only
 * when it was kept. A kept root span carries `tts.sampling.keep=true`, the attribute the
 * collector's tail_sampling policy keeps whole traces on; the kept-trace processor
 * (kept-trace-processor.ts) never exports the spans of the others.
 */
import { context, createContextKey, trace, TraceFlags, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api'
import type { Histogram } from 'prom-client'

/** The root-span attribute the collector keeps traces on (otel/collector.yaml, policy keep-marked). */
export const KEEP_ATTRIBUTE = 'tts.sampling.keep'
/** Why it was kept: one of {@link KeepReason}. */
export const REASON_ATTRIBUTE = 'tts.sampling.reason'

/** Checked in this order; the first that applies is recorded. */
export type KeepReason = 'error' | 'parent' | 'required' | 'slow' | 'exemplar' | 'ratio'

export interface KeepPolicy {
  /** Share of the remaining traces kept, 0 to 1, chosen by trace id (the same on every replica). */
  ratio: number
  /** Units lasting at least this long are kept. */
  slowSeconds: number
  /** A histogram bucket's exemplar is renewed (and its trace kept for that) at most this often. */
  exemplarIntervalSeconds: number
}

/** What the tracing of tests and tools that build their own tracer gets: keep everything. */
export const KEEP_ALL: KeepPolicy = { ratio: 1, slowSeconds: Number.POSITIVE_INFINITY, exemplarIntervalSeconds: 0 }

interface PendingObservation {
  histogram: Histogram<string>
  labels: Record<string, string | number>
  value: number
  span: SpanContext | undefined
  /** Its exemplar slot, once found (TraceKeeper's #slotOf). */
  slot?: Slot
}

/** A child span recorded cheaply, built only if its unit's trace is kept (deferred-span.ts). */
export interface DeferredChild {
  materialise(root: Span): void
}

/** One request, utterance or session close: the root span and what waits for its decision. */
export class WorkUnit {
  /** Observations waiting for the decision; undefined once decided. */
  pending: PendingObservation[] | undefined = []
  kept = false
  reason: KeepReason | undefined
  #required = false
  #deferred: DeferredChild[] | undefined

  constructor(
    readonly span: Span,
    readonly keeper: TraceKeeper,
    /** A remote caller sent `traceparent` with the sampled flag: it keeps the trace, so do we. */
    readonly parentSampled: boolean,
  ) {}

  /** Keeps this unit's trace whatever else happens (a session's trace, which its utterances link to). */
  require(): void {
    this.#required = true
  }

  get required(): boolean {
    return this.#required
  }

  /** Holds a deferred child span until the decision (before it; see withDeferredSpan). */
  defer(child: DeferredChild): void {
    // A step that outlived its unit's decision: built at once if kept, as withSpan would have.
    if (!this.pending) {
      if (this.kept) child.materialise(this.span)
      return
    }
    ;(this.#deferred ??= []).push(child)
  }

  /** Builds the deferred children if kept, and lets them go either way. */
  settleDeferred(): void {
    const deferred = this.#deferred
    this.#deferred = undefined
    if (this.kept && deferred) for (const child of deferred) child.materialise(this.span)
  }
}

const UNIT = createContextKey('tts-edge work unit')

/** The unit of work `ctx` belongs to, if any. */
export function unitOf(ctx: Context = context.active()): WorkUnit | undefined {
  return ctx.getValue(UNIT) as WorkUnit | undefined
}

/** True when a remote parent said its trace is sampled: the caller keeps it, so do we. */
function parentSampled(span: Span, parent: Context): boolean {
  const remote = trace.getSpanContext(parent)
  return !!remote?.isRemote && (remote.traceFlags & TraceFlags.SAMPLED) !== 0 && remote.traceId === span.spanContext().traceId
}

/** The ratio rule: the trace id's last 8 hex digits as a fraction of 2^32, like TraceIdRatioBasedSampler. */
export function ratioKeeps(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true
  if (ratio <= 0) return false
  return Number.parseInt(traceId.slice(-8), 16) / 0x1_0000_0000 < ratio
}

/**
 * Decides, per unit of work, whether its trace is kept, and holds exemplar slots fresh.
 *
 * @example
 * const keeper = new TraceKeeper({ ratio: 0.1, slowSeconds: 1, exemplarIntervalSeconds: 15 })
 * const ctx = keeper.begin(span, parentContext)
 * // ... context.with(ctx, work) ...
 * keeper.decide(unitOf(ctx)!, { error: false, seconds: 0.2 }) // 'exemplar' | 'ratio' | ... | undefined
 */
export class TraceKeeper {
  /** Last time (performance.now) each histogram bucket got an exemplar. */
  readonly #slots: SlotTree = new Map()

  constructor(
    readonly policy: KeepPolicy,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * A context where `span` roots a new unit of work. `parent` is the span's parent, or for a
   * new trace linked to a session, the session's context: a session a sampled caller opened
   * keeps its utterances too.
   */
  begin(span: Span, parent: Context): Context {
    const unit = new WorkUnit(span, this, parentSampled(span, parent) || (unitOf(parent)?.parentSampled ?? false))
    return trace.setSpan(parent, span).setValue(UNIT, unit)
  }

  /** The keep rule alone, without side effects (for a header sent before the unit ends). */
  keptAlready(unit: WorkUnit): boolean {
    if (!unit.pending) return unit.kept
    if (!unit.span.isRecording()) return false
    return unit.kept || unit.required || unit.parentSampled || ratioKeeps(unit.span.spanContext().traceId, this.policy.ratio)
  }

  /**
   * Decides once, marks a kept root span and records the held observations (with exemplars
   * only when kept). Returns the reason it was kept, or undefined when dropped.
   */
  decide(unit: WorkUnit, outcome: { error: boolean; seconds: number }): KeepReason | undefined {
    const pending = unit.pending
    if (!pending) return unit.reason
    unit.pending = undefined
    const reason = unit.span.isRecording() ? this.#reason(unit, outcome, pending) : undefined
    unit.kept = reason !== undefined
    unit.reason = reason
    if (reason) unit.span.setAttributes({ [KEEP_ATTRIBUTE]: true, [REASON_ATTRIBUTE]: reason })
    // Before the root span ends, so the kept-trace processor holds them with their root.
    unit.settleDeferred()
    const now = this.now()
    const keptTrace = unit.kept ? unit.span.spanContext().traceId : undefined
    for (const o of pending) this.#record(o, keptTrace, now)
    return reason
  }

  /** Records an observation made after its unit's decision (or outside any unit). */
  observeNow(histogram: Histogram<string>, labels: Record<string, string | number>, value: number, unit: WorkUnit | undefined, span: SpanContext | undefined): void {
    this.#record({ histogram, labels, value, span }, unit?.kept ? unit.span.spanContext().traceId : undefined, this.now())
  }

  #reason(unit: WorkUnit, outcome: { error: boolean; seconds: number }, pending: PendingObservation[]): KeepReason | undefined {
    if (outcome.error) return 'error'
    if (unit.parentSampled) return 'parent'
    if (unit.required) return 'required'
    if (outcome.seconds >= this.policy.slowSeconds) return 'slow'
    const now = this.now()
    if (pending.some((o) => this.#slotStale(o, now))) return 'exemplar'
    if (ratioKeeps(unit.span.spanContext().traceId, this.policy.ratio)) return 'ratio'
    return undefined
  }

  #slotStale(o: PendingObservation, now: number): boolean {
    const { times, bucket } = this.#slotOf(o)
    return now - times[bucket]! >= this.policy.exemplarIntervalSeconds * 1000
  }

  /** An exemplar only for a span of the kept trace itself (never one of another trace active meanwhile). */
  #record(o: PendingObservation, keptTrace: string | undefined, now: number): void {
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

/**
 * Observes on `histogram` inside the active unit of work: held until its decision, or
 * recorded now (exemplar only if its trace was kept) once decided. Outside any unit there
 * is no kept trace to point at, so no exemplar.
 */
export function observeInUnit(histogram: Histogram<string>, labels: Record<string, string | number>, value: number): void {
  const active = context.active()
  const unit = unitOf(active)
  if (unit) holdObservation(unit, trace.getSpanContext(active), histogram, labels, value)
  else histogram.observe({ labels, value })
}

/** observeInUnit for a unit and span given directly (no context lookup). */
export function holdObservation(
  unit: WorkUnit,
  span: SpanContext | undefined,
  histogram: Histogram<string>,
  labels: Record<string, string | number>,
  value: number,
): void {
  if (unit.pending) unit.pending.push({ histogram, labels, value, span })
  else unit.keeper.observeNow(histogram, labels, value, unit, span)
}

const keepers = new WeakMap<Tracer, TraceKeeper>()

/** Ties a keeper to the tracer createTracing built, so code holding only the tracer finds it. */
export function registerKeeper(tracer: Tracer, keeper: TraceKeeper): void {
  keepers.set(tracer, keeper)
}

const keepAll = new TraceKeeper(KEEP_ALL)

/**
 * The keeper of `tracer`; a keep-everything one for tracers built elsewhere (tests).
 *
 * @example
 * const ctx = keeperOf(tracer).begin(span, context.active())
 */
export function keeperOf(tracer: Tracer): TraceKeeper {
  return keepers.get(tracer) ?? keepAll
}
