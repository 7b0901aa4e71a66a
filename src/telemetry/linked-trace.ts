/**
 * Short traces for long-lived things. A WebSocket session outlives the collector's decision
 * wait, so each of its utterances and its close is a trace of its own, a unit of work with
 * its own keep decision (sampling.ts), linked to the session span so Tempo leads from one
 * to the other.
 */
import { SpanKind, trace, type Attributes, type Context, type Tracer } from '@opentelemetry/api'
import { keeperOf } from './sampling.ts'
import { unitOf } from './work-unit.ts'

/**
 * Starts a new trace whose root span links to the span active in `session`; returns its
 * context (root span and unit of work). A session opened by a sampled caller keeps these too.
 *
 * @example
 * const utterance = startLinkedTrace(tracer, 'tts.utterance', sessionContext, { 'tts.characters': 42 })
 */
export function startLinkedTrace(tracer: Tracer, name: string, session: Context, attributes: Attributes): Context {
  const link = trace.getSpanContext(session)
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, root: true, attributes, ...(link && { links: [{ context: link }] }) })
  return keeperOf(tracer).begin(span, session)
}

/**
 * Decides whether the trace started by {@link startLinkedTrace} is kept (after the
 * observations made in its context), then ends its root span. Returns the decision.
 *
 * @example
 * const kept = finishLinkedTrace(utterance, { error: false, seconds: 0.8 })
 */
export function finishLinkedTrace(ctx: Context, outcome: { error: boolean; seconds: number }): boolean {
  const unit = unitOf(ctx)
  if (!unit) return false
  const kept = unit.keeper.decide(unit, outcome) !== undefined
  unit.span.end()
  return kept
}
