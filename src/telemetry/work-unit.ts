/**
 * The unit of work (an HTTP request, a streaming utterance, a session's close) whose trace
 * is kept or dropped as a whole (sampling.ts). It lives in the OTel context next to its root
 * span and holds what must wait for the decision: histogram observations, whose exemplars
 * may only point at a kept trace, and deferred child spans, built only if it is kept.
 */
import { context, createContextKey, ROOT_CONTEXT, trace, type Context, type Span, type SpanContext } from '@opentelemetry/api'
import type { Histogram } from 'prom-client'
import { pendingObservation, type PendingObservation } from './exemplar-slots.ts'
import type { KeepReason, TraceKeeper } from './sampling.ts'

/** A child span recorded cheaply, built only if its unit's trace is kept (deferred-span.ts). */
export interface DeferredChild {
  /** Builds the span under `unit`'s root (a context holding both, for a tracer that asks). */
  materialise(unit: WorkUnit): void
}

/**
 * One request, utterance or session close: the root span and what waits for its decision.
 * Made by {@link TraceKeeper.begin}, found with {@link unitOf}.
 *
 * @example
 * const unit = unitOf(ctx)
 * if (unit) keeper.decide(unit, { error: false, seconds: 0.2 })
 */
export class WorkUnit {
  /** Observations waiting for the decision; undefined once decided. */
  pending: PendingObservation[] | undefined = []
  kept = false
  reason: KeepReason | undefined
  #required = false
  #deferred: DeferredChild[] | undefined

  /** A context holding the root span and this unit, made when a deferred child is built under them. */
  get context(): Context {
    return trace.setSpan(ROOT_CONTEXT, this.span).setValue(WORK_UNIT, this)
  }

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
      if (this.kept) child.materialise(this)
      return
    }
    ;(this.#deferred ??= []).push(child)
  }

  /**
   * Where a lazy child span of this unit goes when it ends (unit-tracer.ts): held until the
   * decision, built at once in a kept trace, let go in a dropped one. One function per unit,
   * not one per span.
   */
  readonly endChild = (child: DeferredChild): void => {
    if (this.pending) this.defer(child)
    else if (this.kept) child.materialise(this)
  }

  /** Builds the deferred children if kept, and lets them go either way. */
  settleDeferred(): void {
    const deferred = this.#deferred
    this.#deferred = undefined
    if (this.kept && deferred) for (const child of deferred) child.materialise(this)
  }
}

/** The context key a unit is kept under; only TraceKeeper.begin sets it. */
export const WORK_UNIT = createContextKey('tts-edge work unit')

/**
 * The unit of work `ctx` belongs to, if any.
 *
 * @example
 * unitOf()?.require() // keep the active unit's trace
 */
export function unitOf(ctx: Context = context.active()): WorkUnit | undefined {
  return ctx.getValue(WORK_UNIT) as WorkUnit | undefined
}

/**
 * Observes on `histogram` inside the active unit of work: held until its decision, or
 * recorded now (exemplar only if its trace was kept) once decided. Outside any unit there
 * is no kept trace to point at, so no exemplar.
 *
 * @example
 * observeInUnit(metrics.speechCreateDuration, {}, seconds)
 */
export function observeInUnit(histogram: Histogram<string>, labels: Record<string, string | number>, value: number): void {
  const active = context.active()
  const unit = unitOf(active)
  if (unit) holdObservation(unit, trace.getSpanContext(active), histogram, labels, value)
  else histogram.observe({ labels, value })
}

/**
 * observeInUnit for a unit and span given directly (no context lookup).
 *
 * @example
 * holdObservation(unit, unit.span.spanContext(), histogram, { route }, seconds)
 */
export function holdObservation(
  unit: WorkUnit,
  span: SpanContext | undefined,
  histogram: Histogram<string>,
  labels: Record<string, string | number>,
  value: number,
): void {
  if (unit.pending) unit.pending.push(pendingObservation(histogram, labels, value, span))
  else unit.keeper.observeNow(histogram, labels, value, unit, span)
}
