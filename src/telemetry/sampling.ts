/**
 * Keep-or-drop of whole traces, decided by the service at the end of each unit of work
 * (an HTTP request, a streaming utterance, a session's close), so that everything it shows
 * (exemplars, the request log line's `trace_kept`, `traceresponse` flags) points only at
 * traces that exist in Tempo (docs/observability.md, "Sampling: which traces are kept").
 *
 * A unit (work-unit.ts) lives in the OTel context next to its root span. Histogram
 * observations made inside it are held until the decision, then recorded, with the trace as
 * exemplar only when it was kept (exemplar-slots.ts). A kept root span carries
 * `tts.sampling.keep=true`, the attribute the collector's tail_sampling policy keeps whole
 * traces on; the kept-trace processor (kept-trace-processor.ts) never exports the spans of
 * the others.
 */
import { trace, TraceFlags, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api'
import type { Histogram } from 'prom-client'
import { ExemplarSlots, pendingObservation, type PendingObservation } from './exemplar-slots.ts'
import { unitOf, WORK_UNIT, WorkUnit } from './work-unit.ts'

// The unit a decision is about, looked up by everyone who asks the keeper.
export { unitOf }

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
  readonly #exemplars = new ExemplarSlots()

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
    return trace.setSpan(parent, span).setValue(WORK_UNIT, unit)
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
    for (const o of pending) this.#exemplars.record(o, keptTrace, now)
    return reason
  }

  /** Records an observation made after its unit's decision (or outside any unit). */
  observeNow(histogram: Histogram<string>, labels: Record<string, string | number>, value: number, unit: WorkUnit | undefined, span: SpanContext | undefined): void {
    this.#exemplars.record(pendingObservation(histogram, labels, value, span), unit?.kept ? unit.span.spanContext().traceId : undefined, this.now())
  }

  #reason(unit: WorkUnit, outcome: { error: boolean; seconds: number }, pending: PendingObservation[]): KeepReason | undefined {
    if (outcome.error) return 'error'
    if (unit.parentSampled) return 'parent'
    if (unit.required) return 'required'
    if (outcome.seconds >= this.policy.slowSeconds) return 'slow'
    const now = this.now()
    if (pending.some((o) => this.#exemplars.stale(o, now, this.policy.exemplarIntervalSeconds))) return 'exemplar'
    if (ratioKeeps(unit.span.spanContext().traceId, this.policy.ratio)) return 'ratio'
    return undefined
  }
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
